// Sound, volume, fullscreen and picture-in-picture for the live player. The live tiles
// are bare <video> elements (one per speaker), so these controls act on all of them; a
// tile that starts muted because of the browser's autoplay policy gets its sound back
// through the sound button. Every control is a real button or range input: named,
// reachable with Tab, operated with Enter, Space and the arrow keys.

function videos(player) {
  return [...player.querySelectorAll("video")];
}

export function attachControls(root) {
  const bar = root.querySelector("[data-live-media-controls]");
  const player = root.querySelector("[data-live-player]");
  if (!bar || !player) return;
  const mute = bar.querySelector("[data-live-mute]");
  const volume = bar.querySelector("[data-live-volume]");
  const fullscreen = bar.querySelector("[data-live-fullscreen]");
  const pip = bar.querySelector("[data-live-pip]");
  let muted = false;

  const apply = () => {
    for (const video of videos(player)) {
      video.muted = muted;
      video.volume = Number(volume.value) / 100;
    }
    mute.textContent = muted ? mute.dataset.labelOn : mute.dataset.labelOff;
    mute.setAttribute("aria-pressed", String(muted));
  };
  const show = () => {
    const any = videos(player).length > 0;
    bar.hidden = !any;
    if (!any) return;
    // a tile the browser muted for autoplay shows as muted until the viewer turns sound on
    if (videos(player).some((video) => video.muted)) muted = true;
    apply();
  };

  mute.addEventListener("click", () => {
    muted = !muted;
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
  new MutationObserver(show).observe(player, { childList: true, subtree: true });
  show();
}
