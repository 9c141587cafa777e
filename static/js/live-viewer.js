// The live player of a session page. It asks the server how many publishers (seats)
// the stage has, offers one receive-only video + audio pair per seat (plus one spare,
// so a panelist joining later appears without renegotiation), and shows each seat as a
// tile. The state line (live / paused / ended, viewers) is polled every few seconds.
import { fetchStatus, negotiate, newPeer } from "./webrtc.js";

const POLL_MS = 3000;

class LivePlayer {
  constructor(root) {
    this.root = root;
    this.stage = root.querySelector("[data-live-player]");
    this.stateLabel = root.querySelector("[data-live-state]");
    this.viewersLabel = root.querySelector("[data-live-viewers]");
    this.joinButton = root.querySelector("[data-live-join]");
    this.pc = null;
    this.pairs = 0;
    this.watching = false;
    this.retryTimer = null;
    this.joinButton.hidden = false;
    this.joinButton.addEventListener("click", () => this.join());
    this.poll();
  }

  label(state) {
    return this.root.dataset[`label${state[0].toUpperCase()}${state.slice(1)}`] || state;
  }

  async poll() {
    try {
      const info = await fetchStatus(this.root.dataset.statusUrl);
      this.stateLabel.textContent = this.label(info.state);
      this.root.dataset.state = info.state;
      this.viewersLabel.textContent = String(info.viewers ?? 0);
      if (info.state === "ended") {
        this.stop();
        return;
      }
      if (this.watching && info.seats > this.pairs) this.connect(info); // a bigger panel
    } catch {
      /* keep the last state; try again */
    }
    setTimeout(() => this.poll(), POLL_MS);
  }

  async join() {
    this.watching = true;
    this.joinButton.hidden = true;
    try {
      await this.connect(await fetchStatus(this.root.dataset.statusUrl));
    } catch (error) {
      this.fail(error);
    }
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
    const old = this.pc;
    this.pc = pc;
    this.pairs = pairs;
    this.stage.replaceChildren(...tiles);
    if (old) old.close();
  }

  tile(seat, videoTrack, audioTrack) {
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.seat = String(seat);
    video.srcObject = new MediaStream([videoTrack, audioTrack]);
    // A spare seat stays hidden until a publisher's media arrives on it.
    video.hidden = seat > 0;
    videoTrack.addEventListener("unmute", () => {
      video.hidden = false;
    });
    video.play().catch(() => {
      video.muted = true; // autoplay policy: start muted rather than not at all
      video.play().catch(() => {});
    });
    return video;
  }

  reconnect() {
    this.stateLabel.textContent = this.label("reconnecting");
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
    this.reconnect();
  }

  stop() {
    this.watching = false;
    if (this.pc) this.pc.close();
    this.pc = null;
    this.stateLabel.textContent = this.label("ended");
    this.joinButton.hidden = true;
  }
}

for (const root of document.querySelectorAll("[data-live]")) {
  window.fairLivePlayer = new LivePlayer(root);
}
