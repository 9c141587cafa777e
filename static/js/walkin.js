// "Jetzt sprechen" on a booth page: shown while a team member is available; a request
// waits on its own WebSocket for the team's answer and then opens the call room.

import { openEventSocket } from "./socket-events.js";

const section = document.querySelector("[data-walkin]");

async function refresh() {
  try {
    const response = await fetch(section.dataset.walkin, { headers: { Accept: "application/json" } });
    const { available, consent } = await response.json();
    // the consent sentence of an appointment (its purpose differs from a contact request's)
    if (consent) section.querySelector("[data-walkin-consent]").textContent = consent;
    if (!section.dataset.asked) section.hidden = !available;
  } catch {
    /* keep the last state */
  }
}

function waitForAnswer(path, status) {
  const socket = openEventSocket(path, (event) => {
    if (event.type === "accepted") location.assign(event.room);
    if (event.type === "declined") {
      status.textContent = status.dataset.declined;
      socket.close();
    }
  });
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello" })));
}

if (section) {
  const form = section.querySelector("[data-walkin-form]");
  const status = section.querySelector("[data-walkin-status]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const response = await fetch(section.dataset.walkin, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = answer.error || status.dataset.failed;
      return;
    }
    section.dataset.asked = "1";
    form.hidden = true;
    status.textContent = status.dataset.waiting;
    waitForAnswer(answer.socket, status);
  });
  refresh();
  setInterval(refresh, 30000);
}
