// One WebSocket per page for its live channel (data-channel-url), shared by qa.js and
// chat.js (ES modules are evaluated once). Frames from the server are JSON arrays of
// events; each event goes to the handlers registered for its "type". Reconnects with
// backoff and asks for a fresh snapshot ("hello") after every (re)connect, and again when
// the server says it lost events ("resync": Redis was away). Modules add what the
// snapshot should catch up on with helloField (chat: the last message shown).

import { openEventSocket } from "./socket-events.js";

const handlers = new Map();
let socket = null;
let retry = 500;
let queue = [];
const helloFields = new Map();

function hello() {
  const message = { type: "hello" };
  for (const [name, value] of helloFields) message[name] = value();
  return JSON.stringify(message);
}

function channelPath() {
  const panel = document.querySelector("[data-channel-url]");
  return panel ? panel.dataset.channelUrl : null;
}

function dispatch(event) {
  if (event.type === "resync" && socket && socket.readyState === WebSocket.OPEN) {
    socket.send(hello());
  }
  for (const handler of handlers.get(event.type) || []) handler(event);
}

function open() {
  const path = channelPath();
  if (!path || socket) return;
  socket = openEventSocket(path, dispatch);
  socket.addEventListener("open", () => {
    retry = 500;
    socket.send(hello());
    for (const message of queue) socket.send(message);
    queue = [];
    dispatch({ type: "connection", open: true });
  });
  socket.addEventListener("close", (close) => {
    socket = null;
    dispatch({ type: "connection", open: false, code: close.code, reason: close.reason });
    if (close.code === 4404) return; // the session or booth is gone
    // Refused by policy (rate, connections per address): come back later, not at once.
    const wait = close.code === 1008 ? Math.max(retry, 10000) : retry;
    setTimeout(open, wait);
    retry = Math.min(retry * 2, 15000);
  });
}

export function on(type, handler) {
  if (!handlers.has(type)) handlers.set(type, []);
  handlers.get(type).push(handler);
  open();
}

export function send(event) {
  const message = JSON.stringify(event);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
  else {
    queue.push(message);
    open();
  }
}

export function hasChannel() {
  return channelPath() !== null;
}

export function helloField(name, value) {
  helloFields.set(name, value);
}
