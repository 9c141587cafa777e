// The live player of a session page. It asks the server how many publishers (seats)
// the stage has, offers one receive-only video + audio pair per seat (plus one spare,
// so a panelist joining later appears without renegotiation), and shows each seat as a
// tile. The state line (live / paused / ended, viewers) is polled every few seconds and
// refreshed at once when the stage announces a change on the session's channel. "Live
// ansehen" is offered only while the stage is live; after the end the player goes away.
// WebRTC gives the lowest delay; HLS (segments from storage or a CDN) serves everyone
// else: beyond the WebRTC viewer limit (503), when no direct connection comes up (no
// UDP, no TURN), or by the viewer's choice. The page says which mode plays and its delay.
import { HlsPlayer } from "./hls-player.js";
import { on } from "./channel.js";
import { fetchStatus, negotiate, newPeer } from "./webrtc.js";
import { attachControls, startPlayback } from "./player-controls.js";
import { holdsFocus, moveFocus, setText } from "./a11y.js";

const WATCHABLE = new Set(["live", "paused", "waiting", "interrupted"]);

const POLL_MS = 3000;
const CONNECT_TIMEOUT_MS = 10000;
const MODE_KEY = "fair-live-mode";
const TAB_KEY = "fair-live-tab";

// A random token for this tab, sent with the status poll while HLS plays: the server
// counts HLS viewers by it (they fetch media from storage or a CDN, never from the app).
function tabToken() {
  let token = sessionStorage.getItem(TAB_KEY);
  if (!token) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    token = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem(TAB_KEY, token);
  }
  return token;
}

class LivePlayer {
  constructor(root) {
    this.root = root;
    this.stage = root.querySelector("[data-live-player]");
    this.stateLabel = root.querySelector("[data-live-state]");
    this.viewersLabel = root.querySelector("[data-live-viewers]");
    this.joinButton = root.querySelector("[data-live-join]");
    this.modeLabel = root.querySelector("[data-live-mode]");
    this.switchButton = root.querySelector("[data-live-switch]");
    this.startButton = root.querySelector("[data-live-relive]");
    this.edgeButton = root.querySelector("[data-live-edge]");
    this.hlsUrl = null;
    this.hls = null;
    this.mode = null;
    this.pc = null;
    this.pairs = 0;
    this.watching = false;
    this.retryTimer = null;
    this.pollTimer = null;
    this.ended = false;
    this.joinButton.hidden = root.dataset.state !== "live";
    this.joinButton.addEventListener("click", () => this.join());
    this.switchButton.addEventListener("click", () => this.switchMode());
    this.hlsPlayers = [];
    this.startButton.addEventListener("click", () => this.hlsPlayers.forEach((p) => p.toStart()));
    this.edgeButton.addEventListener("click", () => this.hlsPlayers.forEach((p) => p.toLive()));
    setInterval(() => this.showMode(), 1000);
    on("session_state", () => this.poll());
    attachControls(
      this.stage,
      root.querySelector("[data-media-controls]"),
      root.querySelector("[data-media-autoplay-note]"),
    );
    this.poll();
  }

  label(state) {
    return this.root.dataset[`label${state[0].toUpperCase()}${state.slice(1)}`] || state;
  }

  async poll() {
    if (this.ended) return;
    clearTimeout(this.pollTimer);
    try {
      const url = this.root.dataset.statusUrl;
      const info = await fetchStatus(this.mode === "hls" ? `${url}?hls=${tabToken()}` : url);
      setText(this.stateLabel, this.label(info.state));
      this.root.dataset.state = info.state;
      setText(this.viewersLabel, String(info.viewers ?? 0));
      this.warnRecording(info.recording_trouble === "spool_full");
      this.hlsUrl = info.hls_url || null;
      if (info.state === "ended") {
        document.dispatchEvent(new CustomEvent("fair:session-ended")); // Q&A and chat close
        if (this.mode === "hls") return; // the playlist became the recording: keep playing
        this.stop();
        return;
      }
      if (!this.watching) this.joinButton.hidden = !WATCHABLE.has(info.state);
      this.followEngine(info);
      if (this.mode === "webrtc" && info.seats > this.pairs) this.connect(info); // a bigger panel
      if (this.mode === "hls" && info.seats > this.hlsPlayers.length) this.addNewHlsSeats();
    } catch {
      /* keep the last state; try again */
    }
    this.pollTimer = setTimeout(() => this.poll(), POLL_MS);
  }

  // The spool disk is full: the recording misses parts. Said once in a polite live
  // region (written only when it changes), gone when the trouble is.
  warnRecording(atRisk) {
    const warning = this.root.querySelector("[data-live-recording-warning]");
    if (!warning) return;
    if (atRisk) warning.hidden = false;
    setText(warning, atRisk ? warning.dataset.label : "");
    if (!atRisk) warning.hidden = true;
  }

  // The media worker was restarted (a new generation): this peer is dead. Reconnect as
  // soon as the talk is live again; until then the state line says it was interrupted.
  followEngine(info) {
    if (this.mode !== "webrtc" || !info.generation || !this.generation) return;
    if (info.generation === this.generation) return;
    if (info.state === "live") {
      this.generation = info.generation;
      this.reconnect();
    }
  }

  async join() {
    this.watching = true;
    // "Live ansehen" hides itself: focus goes to the picture, the controls follow it.
    if (holdsFocus(this.joinButton)) moveFocus(this.stage);
    this.joinButton.hidden = true;
    const info = await fetchStatus(this.root.dataset.statusUrl).catch(() => ({}));
    this.hlsUrl = info.hls_url || null;
    if (this.hlsUrl && sessionStorage.getItem(MODE_KEY) === "hls") {
      await this.playHls("choice");
      return;
    }
    try {
      this.mode = "webrtc";
      await this.connect(info);
      await this.connected(this.pc);
      this.showMode();
    } catch (error) {
      if (this.mode !== "webrtc") return; // the viewer chose HLS meanwhile: keep that choice
      if (this.hlsUrl && (!error || error.status !== 409)) {
        await this.playHls(error && error.status === 503 ? "full" : "failed");
      } else this.fail(error);
    }
  }

  connected(pc) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pc.connectionState === "connected") resolve();
        if (pc.connectionState === "failed") reject(new Error("WebRTC failed"));
      };
      pc.addEventListener("connectionstatechange", check);
      setTimeout(() => reject(new Error("WebRTC timeout")), CONNECT_TIMEOUT_MS);
      check();
    });
  }

  async playHls(reason) {
    // A late WebRTC failure (timer, reconnect) must not replace HLS that already plays.
    if (this.mode === "hls" && reason !== "choice") return;
    if (this.pc) this.pc.close();
    this.pc = null;
    clearTimeout(this.retryTimer);
    this.stage.replaceChildren();
    this.mode = "hls";
    this.reason = reason;
    this.hlsPlayers = [];
    // A panel: one player per seat (each seat is its own picture, as the WebRTC tiles).
    const seats = await this.hlsSeats();
    try {
      for (const url of seats.length ? seats : [this.hlsUrl]) await this.addHlsSeat(url);
    } catch {
      setText(this.modeLabel, this.root.dataset.labelModeUnsupported);
      return;
    }
    this.showMode();
    this.poll(); // counted as an HLS viewer at once
  }

  // The talk's seats (media playlists) from seats.json beside the multivariant playlist;
  // empty when it is not there yet (the first seat's playlist is then the master's).
  async hlsSeats() {
    const url = new URL(this.hlsUrl.replace(/master\.m3u8$/, "seats.json"), location.href);
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) return [];
      const { seats } = await response.json();
      return seats.map((seat) => new URL(seat, url).href);
    } catch {
      return [];
    }
  }

  async addHlsSeat(url) {
    const video = document.createElement("video");
    video.controls = true;
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.hls = "";
    video.dataset.seat = String(this.hlsPlayers.length);
    video.setAttribute("aria-label", this.tileName(this.hlsPlayers.length));
    this.stage.append(video);
    const player = new HlsPlayer(video, url);
    player.seatUrl = url;
    this.hlsPlayers.push(player);
    this.hls = this.hlsPlayers[0]; // the delay and relive follow the first seat
    await player.start();
    startPlayback(video);
  }

  // A panelist who started after this viewer switched to HLS gets a player too.
  async addNewHlsSeats() {
    if (this.addingSeats) return;
    this.addingSeats = true;
    try {
      const known = new Set(this.hlsPlayers.map((player) => player.seatUrl));
      const seats = await this.hlsSeats();
      if (known.has(this.hlsUrl) && seats.length) known.add(seats[0]); // the master plays seat 0
      for (const url of seats) if (!known.has(url) && this.mode === "hls") await this.addHlsSeat(url);
    } catch {
      /* try again at the next poll */
    } finally {
      this.addingSeats = false;
    }
  }

  async switchMode() {
    const toHls = this.mode !== "hls";
    sessionStorage.setItem(MODE_KEY, toHls ? "hls" : "webrtc");
    this.closeHls();
    if (toHls) {
      await this.playHls("choice");
      return;
    }
    this.mode = null;
    await this.join();
  }

  showMode() {
    const data = this.root.dataset;
    const hls = this.mode === "hls";
    this.switchButton.hidden = !this.mode || !this.hlsUrl;
    this.switchButton.textContent = hls ? data.labelSwitchWebrtc : data.labelSwitchHls;
    this.startButton.hidden = !hls;
    this.edgeButton.hidden = !hls;
    this.root.dataset.mode = this.mode || "";
    // The mode line is a live region redrawn every second: only real changes are written
    // (and so read out) — a new mode, or the HLS delay moving by 2 s or more, not jitter.
    if (!this.mode) {
      this.shownDelay = null;
      setText(this.modeLabel, ""); // ended or between modes: no delay to promise
      return;
    }
    if (!hls) {
      this.shownDelay = null;
      setText(this.modeLabel, data.labelModeWebrtc);
      return;
    }
    const delay = this.hls ? this.hls.delay : null;
    if (delay !== null && (this.shownDelay == null || Math.abs(delay - this.shownDelay) >= 2)) {
      this.shownDelay = Math.round(delay);
    }
    const seconds = this.shownDelay == null ? "…" : String(this.shownDelay);
    const reason = { full: data.labelReasonFull, failed: data.labelReasonFailed }[this.reason] || "";
    setText(this.modeLabel, `${data.labelModeHls.replace("{s}", seconds)}${reason}`);
  }

  async connect(info) {
    const pairs = Math.min(info.max_seats || 6, Math.max(1, info.seats || 1) + 1);
    const pc = newPeer(this.root);
    const tiles = [];
    for (let seat = 0; seat < pairs; seat += 1) {
      const video = pc.addTransceiver("video", { direction: "recvonly" });
      const audio = pc.addTransceiver("audio", { direction: "recvonly" });
      tiles.push(this.tile(seat, video.receiver.track, audio.receiver.track));
    }
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === "failed") this.reconnect();
      if (pc.connectionState === "disconnected") {
        this.stateLabel.textContent = this.label("reconnecting");
      }
    });
    await negotiate(pc, this.root.dataset.watchUrl);
    if (this.mode !== "webrtc") {
      pc.close(); // the viewer switched to HLS while this peer was negotiated
      return;
    }
    const old = this.pc;
    this.pc = pc;
    this.pairs = pairs;
    this.generation = info.generation || this.generation;
    this.stage.replaceChildren(...tiles);
    if (old) old.close();
  }

  // A tile's accessible name ("Livebild, Kamera 2"), the same for WebRTC and HLS tiles.
  tileName(seat) {
    return (this.root.dataset.labelTile || "").replace("{n}", String(seat + 1));
  }

  tile(seat, videoTrack, audioTrack) {
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.seat = String(seat);
    video.setAttribute("aria-label", this.tileName(seat));
    video.srcObject = new MediaStream([videoTrack, audioTrack]);
    // A spare seat stays hidden until a publisher's media arrives on it.
    video.hidden = seat > 0;
    videoTrack.addEventListener("unmute", () => {
      video.hidden = false;
    });
    startPlayback(video);
    return video;
  }

  reconnect() {
    setText(this.stateLabel, this.label("reconnecting"));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(async () => {
      try {
        await this.connect(await fetchStatus(this.root.dataset.statusUrl));
      } catch (error) {
        this.fail(error);
      }
    }, 2000);
  }

  fail(error) {
    if (error && error.status === 409) {
      this.stop();
      return;
    }
    if (error && error.status === 503 && this.root.dataset.state === "interrupted") {
      this.reconnect(); // the media worker is being restarted: WebRTC is back in seconds
      return;
    }
    if (this.hlsUrl && this.mode === "webrtc") {
      this.playHls(error && error.status === 503 ? "full" : "failed");
      return;
    }
    this.reconnect();
  }

  closeHls() {
    for (const player of this.hlsPlayers) player.close();
    this.hlsPlayers = [];
    this.hls = null;
  }

  stop() {
    this.ended = true;
    this.watching = false;
    clearTimeout(this.pollTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
    this.closeHls();
    this.mode = null;
    this.showMode();
    setText(this.stateLabel, this.label("ended"));
    this.root.dataset.state = "ended";
    if (holdsFocus(this.joinButton) || holdsFocus(this.stage) || holdsFocus(this.root.querySelector("[data-media-controls]"))) {
      moveFocus(this.stateLabel);
    }
    this.joinButton.hidden = true;
    this.stage.replaceChildren();
    this.stage.hidden = true;
  }
}

for (const root of document.querySelectorAll("[data-live]")) {
  window.fairLivePlayer = new LivePlayer(root);
}
