// A WebSocket to one of fair's channels (fair.realtime): every frame the server sends is a
// JSON array of events. One place opens the socket on this page's host and hands each
// event of each frame to `handle`; a frame that is not such an array is ignored.
// Used by the live channel (channel.js), the appointment call (call.js) and walk-in
// (walkin.js, walkin-team.js).

export function openEventSocket(path, handle) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${path}`);
  socket.addEventListener("message", (message) => {
    let events;
    try {
      events = JSON.parse(message.data);
    } catch {
      return;
    }
    if (Array.isArray(events)) events.forEach(handle);
  });
  return socket;
}
