// HLS playback of a live talk through hls.js (vendored in static/vendor, loaded only when
// needed), or the browser's own HLS where Media Source Extensions are missing. The playlist is an EVENT
// playlist holding the whole talk, so a latecomer can jump back to the beginning
// (relive) and return to the live edge.
const HLS_MODULE = "../vendor/hls.js/hls.light.min.mjs"; // relative: same content-hashed tree
const RETRY_MS = 2000;
const LIVE_SYNC_SECONDS = 3; // behind the newest listed segment (docs/benchmarks.md: ~6 s glass to glass)

export class HlsPlayer {
  constructor(video, url) {
    this.video = video;
    this.url = url;
    this.hls = null;
    this.closed = false;
  }

  async start() {
    // hls.js wherever Media Source Extensions exist (it keeps the live delay under our
    // control); the browser's own HLS (Safari on older iPhones) otherwise.
    const { default: Hls } = await import(HLS_MODULE);
    if (!Hls.isSupported()) {
      if (!this.video.canPlayType("application/vnd.apple.mpegurl")) {
        throw new Error("HLS is not supported by this browser");
      }
      this.video.src = this.url;
      return;
    }
    const hls = new Hls({
      enableWorker: false, // the CSP allows no blob: workers; fMP4 needs no transmuxing
      liveSyncDuration: LIVE_SYNC_SECONDS,
      maxLiveSyncPlaybackRate: 1.1, // catch up gently after a stall instead of jumping
      manifestLoadingMaxRetry: 0,
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      // before the first segment is stored the playlist is a 404: try again shortly
      if (data.fatal && !this.closed) {
        setTimeout(() => {
          if (!this.closed) hls.loadSource(this.url);
        }, RETRY_MS);
      }
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.hls = hls;
  }

  // Seconds behind capture, estimated: behind the newest listed segment's end, plus the
  // ~0.5 s until a closed segment is listed and ~1 s (half a reload) until we see it.
  get delay() {
    const { seekable } = this.video;
    if (!seekable.length) return null;
    return Math.max(0, seekable.end(seekable.length - 1) - this.video.currentTime) + 1.5;
  }

  toStart() {
    const { seekable } = this.video;
    // a hair past the first sample: audio priming can start the buffer just after 0
    this.video.currentTime = (seekable.length ? seekable.start(0) : 0) + 0.1;
  }

  toLive() {
    const edge = this.hls ? this.hls.liveSyncPosition : null;
    const { seekable } = this.video;
    if (edge !== null && edge !== undefined) this.video.currentTime = edge;
    else if (seekable.length) this.video.currentTime = seekable.end(seekable.length - 1) - LIVE_SYNC_SECONDS;
  }

  close() {
    this.closed = true;
    if (this.hls) this.hls.destroy();
    this.video.removeAttribute("src");
  }
}
