// Home ("Jetzt live") and the programme follow the stages without a reload: when a talk
// goes live or ends, the server sends "session_state" on /ws/programme (channel.js) and
// this module fetches the page afresh and swaps in its [data-live-region] parts. Without
// JavaScript the page is complete as served; it just does not update by itself.

import { on } from "./channel.js";

let pending = null;

async function refresh() {
  const response = await fetch(location.href, {
    cache: "no-store",
    credentials: "same-origin",
    headers: { Accept: "text/html" },
  });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live-region]")) {
    const replacement = fresh.getElementById(region.id);
    if (replacement) region.replaceChildren(...replacement.childNodes);
  }
  document.dispatchEvent(new CustomEvent("fair:programme-refreshed"));
}

function schedule() {
  // Several stages may change at once (a morning's handover): one fetch for all.
  clearTimeout(pending);
  pending = setTimeout(() => refresh().catch(() => {}), 150);
}

if (document.querySelector("[data-live-region]")) on("session_state", schedule);
