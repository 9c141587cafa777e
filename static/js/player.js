// Recordings: start at the moment a link names (?t= is applied by the server; the
// #t= fragment never reaches it, so it is read here with the same rules as
// sessions/timelinks.py), jump to chapters without reloading, and copy a link to the
// current moment. Without JavaScript the video still plays from ?t= and chapter links work.
// A link to a moment ("the talk at 2:36") plays from there at once; where the browser
// blocks sound without a gesture it starts muted and says so once, with the same named
// controls as the live player (player-controls.js) to bring the sound back.
import { attachControls, startPlayback } from "./player-controls.js";

const UNITS = /^(?:(\d{1,4})h)?(?:(\d{1,6})m)?(?:(\d{1,7}(?:\.\d+)?)s?)?$/;
const CLOCK = /^(?:(\d{1,4}):)?(\d{1,6}):(\d{1,2}(?:\.\d+)?)$/;

export function parseTime(raw) {
  let text = String(raw || "").trim().toLowerCase();
  if (!text || text.length > 32) return null;
  if (text.startsWith("t=")) text = text.slice(2);
  const clock = CLOCK.exec(text);
  if (clock) {
    if (Number(clock[3]) >= 60 || (clock[1] !== undefined && Number(clock[2]) >= 60)) return null;
    return Number(clock[1] || 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  }
  const units = UNITS.exec(text);
  if (!units || !(units[1] || units[2] || units[3])) return null;
  return Number(units[1] || 0) * 3600 + Number(units[2] || 0) * 60 + Number(units[3] || 0);
}

export function timeLink(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

function clamp(seconds, duration) {
  if (!Number.isFinite(duration) || duration <= 0) return Math.max(0, seconds);
  return Math.min(Math.max(0, seconds), Math.max(0, Math.floor(duration) - 5));
}

function fragmentTime() {
  const match = /(?:^#|&)t=([^&]+)/.exec(location.hash);
  return match ? parseTime(decodeURIComponent(match[1])) : null;
}

function setup(figure) {
  const video = figure.querySelector("video");
  const fromFragment = fragmentTime();
  const seek = (seconds) => {
    video.currentTime = clamp(seconds, video.duration || Number(figure.dataset.duration));
  };
  attachControls(
    figure,
    figure.querySelector("[data-media-controls]"),
    figure.querySelector("[data-media-autoplay-note]"),
    { follow: true },
  );
  if (fromFragment !== null) {
    if (video.readyState >= 1) seek(fromFragment);
    else video.addEventListener("loadedmetadata", () => seek(fromFragment), { once: true });
  }
  if (fromFragment !== null || Number(figure.dataset.start) > 0) startPlayback(video);
  for (const link of document.querySelectorAll("a[data-seek]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      seek(Number(link.dataset.seek));
      history.replaceState(null, "", `${location.pathname}?t=${timeLink(Number(link.dataset.seek))}`);
      video.play().catch(() => {});
    });
  }
  const box = figure.nextElementSibling;
  if (box && box.matches("[data-time-link]")) {
    box.hidden = false;
    const output = box.querySelector("[data-time-link-output]");
    box.querySelector("[data-copy-time-link]").addEventListener("click", async () => {
      const page = figure.closest(".recording-page") ? location.pathname : `/recordings/${video.dataset.recordingId}`;
      const url = `${location.origin}${page}?t=${timeLink(video.currentTime)}`;
      output.value = url;
      output.textContent = url;
      try {
        await navigator.clipboard.writeText(url);
      } catch {
        /* shown in the output; the visitor can copy it by hand */
      }
    });
  }
}

for (const figure of document.querySelectorAll("[data-player]")) setup(figure);
