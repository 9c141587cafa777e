// Live Q&A: the list reorders when anyone asks, votes or moderates (events of type
// "questions" carry the whole public list in order). Without JavaScript the forms post and
// the page reloads; with it they post in the background and the list updates live.
import { on } from "./channel.js";
import { announce, onTalkEnded, replaceWithNote } from "./talk-end.js";

const list = document.querySelector("[data-qa-list]");
const form = document.querySelector("[data-qa-form]");
const panel = document.querySelector("[data-channel-url]");

function csrf() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function labels() {
  return list.dataset;
}

function voted() {
  try {
    return new Set(JSON.parse(localStorage.getItem("fair.voted") || "[]"));
  } catch {
    return new Set();
  }
}

function remember(id) {
  const ids = voted();
  ids.add(id);
  localStorage.setItem("fair.voted", JSON.stringify([...ids].slice(-500)));
}

async function post(url, data) {
  const body = new URLSearchParams({ csrf_token: csrf(), ...data });
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { Accept: "application/json", "X-CSRF-Token": csrf() },
    credentials: "same-origin",
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload.error || response.statusText);
  return payload;
}

function button(text, onClick, disabled = false) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "secondary";
  element.textContent = text;
  element.disabled = disabled;
  element.addEventListener("click", onClick);
  return element;
}

// "1 Stimme", "2 Stimmen" (and "1 vote"): the page's language decides the plural form.
function votesWord(count, l) {
  const one = new Intl.PluralRules(document.documentElement.lang || "de").select(count) === "one";
  return one && l.labelVote ? l.labelVote : l.labelVotes;
}

function render(items) {
  const l = labels();
  const base = `/sessions/${panel.dataset.sessionId}/questions`;
  const mine = voted();
  const moderator = panel.dataset.moderator === "1";
  const closed = panel.dataset.qaClosed === "1"; // after the end: read-only
  const rows = items.map((q) => {
    const li = document.createElement("li");
    li.dataset.questionId = q.id;
    if (q.pinned) li.classList.add("pinned");
    const body = document.createElement("p");
    body.className = "qa-body";
    body.textContent = q.body;
    const meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = `${q.author} · ${q.votes} ${votesWord(q.votes, l)}`;
    for (const [flag, text] of [[q.pinned, l.labelPinned], [q.answered, l.labelAnswered]]) {
      if (!flag) continue;
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = text;
      meta.append(" ", badge);
    }
    li.append(body, meta);
    const has = mine.has(q.id);
    if (!closed) {
      const vote = button(has ? l.labelVoted : l.labelVote, async (event) => {
        event.target.disabled = true;
        try {
          await post(`${base}/${q.id}/vote`, {});
        } catch {
          /* already voted or hidden: the live list shows the truth */
        }
        remember(q.id);
      }, has);
      vote.dataset.vote = "";
      li.append(vote);
    }
    if (moderator) {
      const actions = [
        ["hide", l.labelHide],
        [q.answered ? "unanswer" : "answer", q.answered ? l.labelReopen : l.labelAnswer],
        [q.pinned ? "unpin" : "pin", q.pinned ? l.labelUnpin : l.labelPin],
      ];
      for (const [action, text] of actions) {
        li.append(" ", button(text, () => post(`${base}/${q.id}/moderate`, { action })));
      }
    }
    return li;
  });
  list.replaceChildren(...rows);
}

if (list && panel) {
  // Votes the server already knows (its cookie) count as ours before the first live update.
  for (const item of list.querySelectorAll("li[data-question-id]")) {
    if (item.querySelector('form[action$="/vote"] button:disabled')) {
      remember(Number(item.dataset.questionId));
    }
  }
  on("questions", (event) => render(event.items));
  // After the end the Q&A is read-only (the server refuses with 409): no form, no votes;
  // the questions, answered ones included, stay.
  onTalkEnded(() => {
    panel.dataset.qaClosed = "1";
    const note = document.querySelector("[data-qa-closed-note]");
    for (const vote of list.querySelectorAll('form[action$="/vote"], [data-vote]')) vote.remove();
    if (form && note) replaceWithNote(form, note);
    if (note) announce(note.dataset.text);
  });
  if (form) {
    const status = form.querySelector("[data-qa-status]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      delete data.csrf_token;
      try {
        await post(form.action, data);
        form.querySelector("textarea").value = "";
        status.textContent = "✓";
      } catch (error) {
        status.textContent = error.message;
      }
    });
  }
}
