// The speaker's stage: camera and microphone (and optionally the screen) published to
// the server over WebRTC. A dropped connection is re-published with the same tracks;
// the server keeps the speaker's seat, so viewers see "paused" and then the picture again.
import { fetchStatus, negotiate, newPeer } from "./webrtc.js";
import { holdsFocus, moveFocus, setText } from "./a11y.js";

const POLL_MS = 3000;
const RETRY_MS = 2000;

class Publication {
  constructor(stage, source, stream) {
    this.stage = stage;
    this.source = source;
    this.stream = stream;
    this.pc = null;
    this.stopped = false;
    this.retryTimer = null;
  }

  async start() {
    this.stopped = false;
    const pc = newPeer(this.stage.root);
    for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.pc || this.stopped) return;
      if (pc.connectionState === "connected") this.stage.setState("live");
      if (pc.connectionState === "failed" || pc.connectionState === "disconnected") {
        this.stage.setState("reconnecting");
        this.retry();
      }
    });
    const old = this.pc;
    this.pc = pc;
    if (old) old.close();
    const url = `${this.stage.root.dataset.publishUrl}?source=${this.source}`;
    await negotiate(pc, url);
  }

  retry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.stopped) return;
      this.start().catch(() => this.retry());
    }, RETRY_MS);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
  }
}

// The moderation part of the page follows the session: started by the moderator (in
// another tab or by another person), it says "live" and no longer offers "start"; ended,
// neither button stays.
function followPhase(phase) {
  const label = document.querySelector("[data-stage-session-state]");
  if (!label || !phase) return;
  const key = `label${phase.charAt(0).toUpperCase()}${phase.slice(1)}`;
  if (label.dataset[key]) setText(label, label.dataset[key]);
  label.dataset.phase = phase;
  const start = document.querySelector("form[data-stage-start]");
  const end = document.querySelector("form[data-stage-end]");
  const hideStart = start && phase !== "scheduled";
  const hideEnd = end && (phase === "ended" || phase === "cancelled");
  if ((hideStart && holdsFocus(start)) || (hideEnd && holdsFocus(end))) moveFocus(label);
  if (start) start.hidden = phase !== "scheduled";
  if (end) end.hidden = phase === "ended" || phase === "cancelled";
}

class Stage {
  constructor(root) {
    this.root = root;
    this.preview = root.querySelector("[data-stage-preview]");
    this.screenPreview = root.querySelector("[data-stage-screen]");
    this.stateLabel = root.querySelector("[data-stage-state]");
    this.viewersLabel = root.querySelector("[data-live-viewers]");
    this.publishersLabel = root.querySelector("[data-stage-publishers]");
    this.buttons = {
      camera: root.querySelector("[data-stage-camera]"),
      live: root.querySelector("[data-stage-go-live]"),
      screen: root.querySelector("[data-stage-screen-share]"),
      stop: root.querySelector("[data-stage-stop]"),
    };
    this.camera = null;
    this.screen = null;
    this.buttons.camera.addEventListener("click", () => this.openCamera());
    this.buttons.live.addEventListener("click", () => this.goLive());
    this.buttons.screen.addEventListener("click", () => this.toggleScreen());
    this.buttons.stop.addEventListener("click", () => this.pause());
    window.addEventListener("online", () => {
      if (this.camera && !this.camera.stopped) this.camera.retry();
    });
    for (const form of document.querySelectorAll("form[data-confirm]")) {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    }
    this.poll();
  }

  // A button that disables itself hands focus on (to the next sensible control).
  disable(button, next) {
    if (holdsFocus(button)) moveFocus(next);
    button.disabled = true;
  }

  setState(name) {
    const labels = {
      live: this.root.dataset.labelLive,
      offline: this.root.dataset.labelOffline,
      reconnecting: this.root.dataset.labelReconnecting,
      denied: this.root.dataset.labelDenied,
      error: this.root.dataset.labelError,
      ended: this.root.dataset.labelEnded,
      interrupted: this.root.dataset.labelInterrupted,
    };
    setText(this.stateLabel, labels[name] || name);
    this.root.dataset.state = name;
  }

  async poll() {
    try {
      const info = await fetchStatus(this.root.dataset.statusUrl);
      setText(this.viewersLabel, String(info.viewers ?? 0));
      setText(this.publishersLabel, String(info.sending ?? (info.publishers || []).length));
      followPhase(info.phase);
      const warning = this.root.querySelector("[data-stage-recording-warning]");
      if (warning) warning.hidden = info.recording_trouble !== "spool_full";
      if (info.state === "ended") {
        this.end();
        return;
      }
      this.followEngine(info);
    } catch {
      /* try again */
    }
    setTimeout(() => this.poll(), POLL_MS);
  }

  // The media worker died and was restarted (a new generation): this page's peers went
  // with it, so publish again at once; the talk continues in the same recording.
  followEngine(info) {
    const sending = [this.camera, this.screen].filter((pub) => pub && pub.pc && !pub.stopped);
    if (this.generation && info.generation && info.generation !== this.generation) {
      for (const publication of sending) publication.retry();
    }
    if (info.generation) this.generation = info.generation;
    if (info.state === "interrupted" && sending.length) this.setState("interrupted");
    const note = document.querySelector("[data-stage-restart]");
    if (note && info.worker_restarts > 0) {
      const at = new Date(info.worker_restarted_at * 1000).toLocaleTimeString(
        document.documentElement.lang || undefined,
        { hour: "2-digit", minute: "2-digit" },
      );
      const text = note.dataset.label
        .replace("{time}", at)
        .replace("{count}", String(info.worker_restarts));
      if (note.textContent !== text) note.textContent = text;
      note.hidden = false;
    }
  }

  async openCamera() {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
        audio: { echoCancellation: true, noiseSuppression: true },
      });
      // "detail": the browser keeps the camera's 720p and lowers the frame rate when its
      // bandwidth estimate is short, instead of starting small and climbing for half a
      // minute (measured in tests/test_live_720p_browser.py).
      for (const track of stream.getVideoTracks()) track.contentHint = "detail";
      this.preview.srcObject = stream;
      this.camera = new Publication(this, "camera", stream);
      this.buttons.live.disabled = false;
      this.buttons.screen.disabled = !navigator.mediaDevices.getDisplayMedia;
      this.disable(this.buttons.camera, this.buttons.live);
    } catch {
      this.setState("denied");
    }
  }

  async goLive() {
    if (!this.camera) return;
    this.disable(this.buttons.live, this.stateLabel);
    try {
      await this.camera.start();
      this.buttons.stop.disabled = false;
      if (holdsFocus(this.stateLabel)) moveFocus(this.buttons.stop);
    } catch (error) {
      this.setState("error");
      this.stateLabel.textContent += error && error.message ? `: ${error.message}` : "";
      this.buttons.live.disabled = false;
    }
  }

  // The moderator (or the clock) ended the talk: stop sending, switch the camera off
  // (its light too), and replace preview and controls by a note that says so and where
  // the recording will be. Focus on a control that disappears moves to that note.
  end() {
    const hadFocus = this.root.contains(document.activeElement);
    if (this.camera) this.camera.stop();
    if (this.screen) this.stopScreen();
    if (this.camera) for (const track of this.camera.stream.getTracks()) track.stop();
    this.preview.srcObject = null;
    this.setState("ended");
    const focusWasOnAButton = Object.values(this.buttons).some(holdsFocus);
    for (const button of Object.values(this.buttons)) button.disabled = true;
    this.root.querySelector(".player").hidden = true;
    this.root.querySelector(".stage-controls").hidden = true;
    const note = document.querySelector("[data-stage-ended]");
    if (note) {
      note.hidden = false;
      if (hadFocus || focusWasOnAButton) note.focus();
    } else if (focusWasOnAButton) {
      moveFocus(this.stateLabel);
    }
  }

  pause() {
    if (this.camera) this.camera.stop();
    if (this.screen) this.stopScreen();
    this.setState("offline");
    this.buttons.live.disabled = false;
    this.disable(this.buttons.stop, this.buttons.live);
  }

  async toggleScreen() {
    if (this.screen) {
      this.stopScreen();
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      this.screen = new Publication(this, "screen", stream);
      this.screenPreview.srcObject = stream;
      this.screenPreview.hidden = false;
      this.buttons.screen.setAttribute("aria-pressed", "true");
      stream.getVideoTracks()[0].addEventListener("ended", () => this.stopScreen());
      await this.screen.start();
    } catch {
      this.stopScreen();
    }
  }

  stopScreen() {
    if (!this.screen) return;
    this.screen.stop();
    for (const track of this.screen.stream.getTracks()) track.stop();
    this.screen = null;
    this.buttons.screen.setAttribute("aria-pressed", "false");
    this.screenPreview.hidden = true;
    this.screenPreview.srcObject = null;
  }
}

for (const root of document.querySelectorAll("[data-stage]")) {
  window.fairStage = new Stage(root);
}
