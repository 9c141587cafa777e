// The personal agenda: starred session ids in localStorage ("fair.agenda"), no account.
// Star buttons (data-star) appear only with JavaScript; the agenda page (/agenda) shows
// only starred sessions and links their calendar: /schedule.ics?sessions=1,2,3.

const KEY = "fair.agenda";

export function starred() {
  try {
    const ids = JSON.parse(localStorage.getItem(KEY) || "[]");
    return new Set(ids.filter((id) => Number.isInteger(id)));
  } catch {
    return new Set();
  }
}

function save(ids) {
  localStorage.setItem(KEY, JSON.stringify([...ids].sort((a, b) => a - b)));
}

export function toggle(id) {
  const ids = starred();
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  save(ids);
  return ids.has(id);
}

function refreshAgendaPage() {
  const list = document.querySelector("[data-agenda-page]");
  if (!list) return;
  const ids = starred();
  for (const item of list.querySelectorAll("[data-session-id]")) {
    item.hidden = !ids.has(Number(item.dataset.sessionId));
  }
  const link = document.getElementById("agenda-ics");
  link.href = `/schedule.ics?sessions=${[...ids].sort((a, b) => a - b).join(",")}`;
  link.hidden = ids.size === 0;
  document.getElementById("agenda-empty").hidden = ids.size > 0;
}

// A saved talk's button says so ("Gemerkt"), not only through aria-pressed.
function show(button, saved) {
  button.setAttribute("aria-pressed", String(saved));
  const label = button.querySelector("[data-star-label]");
  if (!label) return;
  label.dataset.unsaved ??= label.textContent;
  label.textContent = saved ? label.dataset.saved : label.dataset.unsaved;
}

function enableStars() {
  for (const button of document.querySelectorAll("[data-star]:not([data-star-ready])")) {
    const id = Number(button.dataset.star);
    button.hidden = false;
    button.dataset.starReady = "";
    show(button, starred().has(id));
    button.addEventListener("click", () => {
      show(button, toggle(id));
      refreshAgendaPage();
    });
  }
}
enableStars();
// programme-live.js swaps in a fresh listing when a talk goes live or ends
document.addEventListener("fair:programme-refreshed", enableStars);
refreshAgendaPage();

// The programme opens on today: during the fair the page scrolls to today's day (a link
// with its own #anchor, or a reload that kept its place, wins).
const todaySection = document.querySelector("section[data-today]");
if (todaySection && !window.location.hash && window.scrollY === 0) {
  todaySection.scrollIntoView({ block: "start" });
}
