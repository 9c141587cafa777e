// Sound, pause, volume, fullscreen and picture-in-picture for the live player and for
// recordings (one module, one markup: sessions/templates/sessions/_media_controls.html).
// The live tiles are bare <video> elements (one per speaker), so these controls act on
// all of them; a recording is one video. When the browser's autoplay policy blocks sound
// (or any playback), the picture starts muted (or paused), a note says so once, and the
// sound button (or the pause button) brings it back: pressing a button is the user
// gesture browsers ask for. Every control is a real button or range input: named,
// reachable with Tab, operated with Enter, Space and the arrow keys; the toggles expose
// their state with aria-pressed.
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

// The controls in `bar` act on the videos inside `player` (the element that goes
// fullscreen); `note` says when the browser held sound or picture back. The live player
// imposes its state on tiles as they come and go. With `follow`, as for a recording
// whose own controls (seek bar, captions menu), chapter links and end also play, pause
// and mute it, the state is read from the video instead: nothing starts by itself.
export function attachControls(player, bar, note, { follow = false } = {}) {
  if (!bar || !player) return;
  const mute = bar.querySelector("[data-media-mute]");
  const pause = bar.querySelector("[data-media-pause]");
  const volume = bar.querySelector("[data-media-volume]");
  const fullscreen = bar.querySelector("[data-media-fullscreen]");
  const pip = bar.querySelector("[data-media-pip]");
  let muted = false;
  let paused = false;

  const showNote = (text) => {
    if (!note) return;
    setText(note, text);
    note.hidden = !text;
  };
  const label = () => {
    mute.textContent = muted ? mute.dataset.labelOn : mute.dataset.labelOff;
    mute.setAttribute("aria-pressed", String(muted));
    if (pause) {
      pause.textContent = paused ? pause.dataset.labelPlay : pause.dataset.labelPause;
      pause.setAttribute("aria-pressed", String(paused));
    }
    if (!muted && !paused) showNote(""); // the viewer has sound and picture: nothing to say
  };
  const apply = () => {
    for (const video of videos(player)) {
      video.muted = muted;
      video.volume = Number(volume.value) / 100;
      if (paused && !video.paused) video.pause();
      if (!paused && video.paused && !video.hidden) video.play().catch(() => {});
      if (!muted && !paused) delete video.dataset.autoplay; // the viewer has taken over
    }
    label();
  };
  // A recording's own controls changed it: the buttons follow (and never fight back).
  const sync = () => {
    const video = videos(player)[0];
    if (!video) return;
    muted = video.muted;
    paused = video.paused;
    volume.value = String(Math.round(video.volume * 10) * 10);
    label();
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
    if (follow) {
      sync();
      return;
    }
    // a tile the browser muted for autoplay shows as muted until the viewer turns sound on
    if (all.some((video) => video.muted)) muted = true;
    const refused = all.map((video) => video.dataset.autoplay).find((o) => o && o !== "sound");
    if (refused) heldBack(refused);
    else apply();
  };

  player.addEventListener("fair:autoplay", (event) => heldBack(event.detail));
  if (follow) {
    // media events do not bubble: listen while they travel down to the video
    for (const type of ["play", "pause", "volumechange"]) player.addEventListener(type, sync, true);
  }
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
  if (!follow) new MutationObserver(show).observe(player, { childList: true });
  show();
}
