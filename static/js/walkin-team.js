// Walk-in on the exhibitor dashboard: while "available" is on, this page holds the
// booth's team channel open (that is what makes visitors see "Jetzt sprechen") and
// lists incoming requests with accept and decline.

import { openEventSocket } from "./socket-events.js";

function item(card, event, send) {
  const li = document.createElement("li");
  li.className = "card";
  li.dataset.request = event.request;
  const title = document.createElement("h4");
  title.textContent = event.name;
  const topic = document.createElement("p");
  topic.textContent = event.topic;
  const accept = document.createElement("button");
  accept.type = "button";
  accept.textContent = card.dataset.accept;
  accept.addEventListener("click", () => send({ type: "accept", ticket: event.ticket }));
  const decline = document.createElement("button");
  decline.type = "button";
  decline.className = "secondary";
  decline.textContent = card.dataset.decline;
  decline.addEventListener("click", () => send({ type: "decline", ticket: event.ticket }));
  li.append(title, topic, accept, " ", decline);
  return li;
}

function setUp(card) {
  const toggle = card.querySelector("[data-walkin-toggle]");
  const list = card.querySelector("[data-walkin-requests]");
  const status = card.querySelector("[data-walkin-team-status]");
  let socket = null;
  const send = (event) => socket && socket.send(JSON.stringify(event));

  function handle(event) {
    if (event.type === "walkin") list.append(item(card, event, send));
    if (event.type === "taken") list.querySelector(`[data-request="${event.request}"]`)?.remove();
    if (event.type === "accepted") location.assign(event.room);
    if (event.type === "error") status.textContent = event.message;
  }

  function on() {
    socket = openEventSocket(card.dataset.walkinTeam, handle);
    socket.addEventListener("open", () => send({ type: "hello" }));
    socket.addEventListener("close", () => {
      socket = null;
      toggle.setAttribute("aria-pressed", "false");
      toggle.textContent = card.dataset.off;
    });
    toggle.setAttribute("aria-pressed", "true");
    toggle.textContent = card.dataset.on;
  }

  toggle.addEventListener("click", () => {
    if (socket) socket.close(1000, "not available");
    else on();
  });
}

document.querySelectorAll("[data-walkin-team]").forEach(setUp);
