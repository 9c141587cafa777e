// Live Q&A: the list reorders when anyone asks, votes or moderates (events of type
// "questions" carry the whole public list in order). Without JavaScript the forms post and
// the page reloads; with it they post in the background and the list updates live.
import { on } from "./channel.js";
import { announce as announceEnd, onSessionEnded, replaceWithNote } from "./session-end.js";
import { holdsFocus, moveFocus, setText } from "./a11y.js";

// The list itself is no live region (re-reading every question on each vote helps no
// one): a separate status line announces only questions that are new or newly answered.
const announcer = document.querySelector("[data-qa-announce]");
const known = new Map(); // question id → answered, as last shown

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

// A used button stays focusable (aria-disabled) so focus does not fall to the body.
function button(text, onClick, disabled = false) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "secondary";
  element.textContent = text;
  if (disabled) element.setAttribute("aria-disabled", "true");
  element.addEventListener("click", (event) => {
    if (element.getAttribute("aria-disabled") === "true") return;
    onClick(event);
  });
  return element;
}

function announce(items, l) {
  const news = [];
  for (const q of items) {
    if (!known.has(q.id)) news.push(`${l.labelNew}: ${q.body}`);
    else if (q.answered && !known.get(q.id)) news.push(`${l.labelNowAnswered}: ${q.body}`);
  }
  known.clear();
  for (const q of items) known.set(q.id, !!q.answered);
  if (news.length) setText(announcer, news.join(". "));
}

// Where focus was in the list (question id, button index), to put it back after a re-render.
function focusSpot() {
  if (!holdsFocus(list)) return null;
  const li = document.activeElement.closest("li[data-question-id]");
  if (!li) return null;
  const index = [...li.querySelectorAll("button")].indexOf(document.activeElement);
  return { id: li.dataset.questionId, index };
}

function restoreFocus(spot) {
  if (!spot) return;
  const li = list.querySelector(`li[data-question-id="${spot.id}"]`);
  const buttons = li ? [...li.querySelectorAll("button")] : [];
  moveFocus(buttons[Math.min(spot.index, buttons.length - 1)] || li || document.querySelector("#qa"));
}

// "1 Stimme", "2 Stimmen" (and "1 vote"): the page's language decides the plural form.
function votesWord(count, l) {
  const one = new Intl.PluralRules(document.documentElement.lang || "de").select(count) === "one";
  return one && l.labelVoteOne ? l.labelVoteOne : l.labelVotes;
}

function render(items) {
  const l = labels();
  const base = `/sessions/${panel.dataset.sessionId}/questions`;
  const mine = voted();
  const sessionTeam = panel.dataset.sessionTeam === "1"; // may hide, answer, pin
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
        event.target.setAttribute("aria-disabled", "true");
        event.target.textContent = l.labelVoted;
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
    if (sessionTeam) {
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
  const spot = focusSpot();
  list.replaceChildren(...rows);
  restoreFocus(spot);
  announce(items, l);
}

if (list && panel) {
  // Votes the server already knows (its cookie) count as ours before the first live update.
  for (const item of list.querySelectorAll("li[data-question-id]")) {
    known.set(Number(item.dataset.questionId), item.dataset.answered === "1");
    if (item.querySelector('form[action$="/vote"] button:disabled')) {
      remember(Number(item.dataset.questionId));
    }
  }
  on("questions", (event) => render(event.items));
  // After the end the Q&A is read-only (the server refuses with 409): no form, no votes;
  // the questions, answered ones included, stay.
  onSessionEnded(() => {
    panel.dataset.qaClosed = "1";
    const note = document.querySelector("[data-qa-closed-note]");
    for (const vote of list.querySelectorAll('form[action$="/vote"], [data-vote]')) vote.remove();
    if (form && note) replaceWithNote(form, note);
    if (note) announceEnd(note.dataset.text);
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
