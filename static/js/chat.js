// Chat and presence over the page's channel (see channel.js). Messages are rendered as
// text, never as HTML.
import { helloField, on, send } from "./channel.js";
import { onSessionEnded, replaceWithNote } from "./session-end.js";
import { setText } from "./a11y.js";

const log = document.querySelector("[data-chat-log]");
const form = document.querySelector("[data-chat-form]");
const presence = document.querySelector("[data-presence]");
const seen = new Set();
// The newest message shown: a (re)connect asks for what came after it.
let lastId = Number(log?.dataset.chatLast || 0);

function append(event) {
  if (seen.has(event.id) || event.id <= Number(log.dataset.chatLast || 0)) return;
  seen.add(event.id);
  lastId = Math.max(lastId, event.id);
  const item = document.createElement("li");
  const at = new Date(event.at);
  const time = document.createElement("time");
  time.dateTime = event.at;
  time.textContent = at.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  const author = document.createElement("strong");
  author.textContent = event.author;
  item.append(time, " ", author);
  if (event.team) {
    const badge = document.createElement("span");
    badge.className = "badge team";
    badge.textContent = log.dataset.teamLabel;
    item.append(" ", badge);
  }
  item.append(`: ${event.text}`);
  log.querySelector("[data-chat-empty]")?.remove();
  log.append(item);
  while (log.children.length > 200) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

// „Jetzt am Stand: Name (Rolle)“: the booth team members online now, from the server.
const teamHere = document.querySelector("[data-team-here]");
if (teamHere) {
  const line = teamHere.querySelector("p");
  const names = teamHere.querySelector("[data-team-names]");
  on("team_here", (event) => {
    const people = Array.isArray(event.people) ? event.people : [];
    // the line is a live region: only a real change of who is here is written (and read)
    setText(names, people.map((p) => `${p.name} (${p.role || teamHere.dataset.teamRole})`).join(", "));
    if (line.hidden !== (people.length === 0)) line.hidden = people.length === 0;
  });
}

if (presence) on("presence", (event) => setText(presence, String(event.count)));

if (log && form) {
  const status = form.querySelector("[data-chat-status]");
  helloField("chat_after", () => lastId);
  on("chat", append);
  on("error", (event) => (status.textContent = event.message));
  let closed = false;
  on("connection", (event) => {
    if (closed) return;
    form.hidden = false;
    form.querySelector("button").disabled = !event.open;
  });
  // A talk's chat stays readable after the end but takes no more messages (booth pages
  // have no closing note, so their chat is not affected).
  const closedNote = form.parentElement.querySelector("[data-chat-closed]");
  if (closedNote) {
    onSessionEnded(() => {
      closed = true;
      replaceWithNote(form, closedNote);
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const text = form.elements.text.value.trim();
    if (!name || !text) return;
    send({ type: "chat", name, text });
    form.elements.text.value = "";
    status.textContent = "";
  });
}
