// Sound, pause, volume, fullscreen and picture-in-picture for the live player. The live
// tiles are bare <video> elements (one per speaker), so these controls act on all of
// them. When the browser's autoplay policy blocks sound (or any playback), the picture
// starts muted (or paused), a note says so once, and the sound button (or the pause
// button) brings it back: pressing a button is the user gesture browsers ask for. Every
// control is a real button or range input: named, reachable with Tab, operated with
// Enter, Space and the arrow keys; the toggles expose their state with aria-pressed.
import { setText } from "./a11y.js";

function videos(player) {
  return [...player.querySelectorAll("video")];
}

// Starts a tile or HLS seat: with sound if the browser allows it, else muted, else not
// at all. Returns what the browser allowed ("sound", "muted" or "paused"), keeps it in
// data-autoplay (a tile may be refused before it is in the page) and tells the controls
// through a "fair:autoplay" event on the video (it bubbles to the player).
// Only NotAllowedError is the autoplay policy: an AbortError (a pause or a new source
// while play() was pending) says nothing about sound.
export async function startPlayback(video) {
  let outcome = "sound";
  try {
    await video.play();
  } catch (error) {
    if (error.name !== "NotAllowedError") return "interrupted";
    video.muted = true; // autoplay policy: start muted rather than not at all
    try {
      await video.play();
      outcome = "muted";
    } catch (again) {
      if (again.name !== "NotAllowedError") return "interrupted";
      outcome = "paused";
    }
  }
  video.dataset.autoplay = outcome;
  video.dispatchEvent(new CustomEvent("fair:autoplay", { bubbles: true, detail: outcome }));
  return outcome;
}

export function attachControls(root) {
  const bar = root.querySelector("[data-live-media-controls]");
  const player = root.querySelector("[data-live-player]");
  if (!bar || !player) return;
  const mute = bar.querySelector("[data-live-mute]");
  const pause = bar.querySelector("[data-live-pause]");
  const volume = bar.querySelector("[data-live-volume]");
  const fullscreen = bar.querySelector("[data-live-fullscreen]");
  const pip = bar.querySelector("[data-live-pip]");
  const note = root.querySelector("[data-live-autoplay-note]");
  let muted = false;
  let paused = false;

  const showNote = (text) => {
    if (!note) return;
    setText(note, text);
    note.hidden = !text;
  };
  const apply = () => {
    for (const video of videos(player)) {
      video.muted = muted;
      video.volume = Number(volume.value) / 100;
      if (paused && !video.paused) video.pause();
      if (!paused && video.paused && !video.hidden) video.play().catch(() => {});
      if (!muted && !paused) delete video.dataset.autoplay; // the viewer has taken over
    }
    mute.textContent = muted ? mute.dataset.labelOn : mute.dataset.labelOff;
    mute.setAttribute("aria-pressed", String(muted));
    if (pause) {
      pause.textContent = paused ? pause.dataset.labelPlay : pause.dataset.labelPause;
      pause.setAttribute("aria-pressed", String(paused));
    }
    if (!muted && !paused) showNote(""); // the viewer has sound and picture: nothing to say
  };
  // The browser refused sound ("muted") or any playback ("paused") to a tile that had
  // not been started by the viewer: say so once, and offer the way back.
  const heldBack = (outcome) => {
    if (outcome !== "muted" && outcome !== "paused") return;
    muted = true;
    if (outcome === "paused") paused = true;
    apply();
    showNote(outcome === "paused" ? note?.dataset.labelPaused : note?.dataset.labelMuted);
  };
  const show = () => {
    const all = videos(player);
    bar.hidden = all.length === 0;
    if (!all.length) return;
    // a tile the browser muted for autoplay shows as muted until the viewer turns sound on
    if (all.some((video) => video.muted)) muted = true;
    const refused = all.map((video) => video.dataset.autoplay).find((o) => o && o !== "sound");
    if (refused) heldBack(refused);
    else apply();
  };

  player.addEventListener("fair:autoplay", (event) => heldBack(event.detail));
  mute.addEventListener("click", () => {
    muted = !muted;
    if (!muted) paused = false; // "sound on" also starts a picture the browser held back
    apply();
  });
  pause?.addEventListener("click", () => {
    paused = !paused;
    apply();
  });
  volume.addEventListener("input", () => {
    if (Number(volume.value) > 0 && muted) muted = false;
    apply();
  });
  fullscreen.hidden = !document.fullscreenEnabled;
  fullscreen.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else player.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", () => {
    const on = document.fullscreenElement === player;
    fullscreen.textContent = on ? fullscreen.dataset.labelExit : fullscreen.dataset.labelEnter;
    fullscreen.setAttribute("aria-pressed", String(on));
  });
  pip.hidden = !document.pictureInPictureEnabled;
  pip.addEventListener("click", () => {
    if (document.pictureInPictureElement) {
      document.exitPictureInPicture().catch(() => {});
      return;
    }
    const visible = videos(player).find((video) => !video.hidden);
    if (visible) visible.requestPictureInPicture().catch(() => {});
  });
  new MutationObserver(show).observe(player, { childList: true });
  show();
}
