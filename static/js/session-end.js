// When the session of this page ends, told once: by the page's channel (the moderator pressed
// "end": a "session_state" event) or by the live player's status poll (the planned end
// passed; live-viewer.js dispatches "fair:session-ended"). qa.js and chat.js close their forms.
import { on } from "./channel.js";

const OVER = new Set(["ended", "cancelled"]);
const handlers = [];
let ended = false;

function endOnce() {
  if (ended) return;
  ended = true;
  for (const handler of handlers) handler();
}

export function onSessionEnded(handler) {
  if (ended) {
    handler();
    return;
  }
  if (handlers.length === 0) {
    on("session_state", (event) => OVER.has(event.state) && endOnce());
    document.addEventListener("fair:session-ended", endOnce);
  }
  handlers.push(handler);
}

// Swap a form for its note without dropping focus to <body>: whoever was typing in the
// form lands on the note, which says why the form is gone.
export function replaceWithNote(form, note) {
  const hadFocus = form.contains(document.activeElement);
  if (note.dataset.text && !note.textContent.trim()) note.textContent = note.dataset.text;
  note.hidden = false;
  form.hidden = true;
  if (hadFocus) note.focus();
}

// One polite announcement for the whole page, however many forms closed.
export function announce(text) {
  const region = document.querySelector("[data-session-ended-announcer]");
  if (region && !region.textContent) region.textContent = text;
}
