// The appointment call: a WebRTC mesh of up to four browsers. The server only relays
// signalling over the room's WebSocket (data-call-url); media goes browser to browser
// (through the TURN server in data-ice-servers when no direct path exists). When no
// direct path works at all (ICE fails, or the page was opened with ?relay=1) everyone in
// the room moves to the server relay (call-relay.js): one connection each to the server.
// Negotiation follows the "perfect negotiation" pattern, so either side may add a track
// (screen share) at any time; the peer with the larger id is the polite one.

import { openRelay } from "./call-relay.js";
import { openEventSocket } from "./socket-events.js";

const root = document.querySelector("[data-call-url]");
const forceRelay = new URLSearchParams(location.search).get("relay") === "1";
const DIRECT_TIMEOUT = 20000; // ms a direct connection may take before we relay
let relay = null; // { pc, share, close, lines } once relaying
let relaying = false;
const strings = root ? root.querySelector("[data-call-strings]").dataset : {};
const peers = new Map(); // peer id -> { pc, polite, makingOffer, ignoreOffer, tile }
let socket = null;
let me = null;
let localStream = null;
let screenTrack = null;
const screenSenders = new Map();

function status(text) {
  root.querySelector("[data-call-status]").textContent = text;
}

function send(event) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(event));
}

function iceServers() {
  try {
    const servers = JSON.parse(root.dataset.iceServers || "[]");
    return Array.isArray(servers) ? servers : [];
  } catch {
    return [];
  }
}

function tileFor(id) {
  const entry = peers.get(id);
  if (entry.tile) return entry.tile;
  const template = root.querySelector("[data-call-tile]");
  const tile = template.content.firstElementChild.cloneNode(true);
  tile.dataset.peer = id;
  root.querySelector("[data-call-grid]").append(tile);
  entry.tile = tile;
  return tile;
}

function showStream(id, stream) {
  const tile = tileFor(id);
  const videos = [...tile.querySelectorAll("video")];
  let video = videos.find((v) => v.srcObject === stream);
  if (video) return;
  video = videos.find((v) => !v.srcObject);
  if (!video) {
    const extra = document.createElement("video");
    extra.playsInline = true;
    extra.autoplay = true;
    extra.muted = true; // a screen share carries no audio of its own here
    extra.setAttribute("aria-label", strings.screen);
    tile.insertBefore(extra, tile.querySelector("figcaption"));
    video = extra;
  }
  video.srcObject = stream;
  video.play().catch(() => {});
}

function connect(id) {
  if (peers.has(id) || id === me) return peers.get(id);
  const pc = new RTCPeerConnection({ iceServers: iceServers() });
  const entry = { pc, polite: me > id, makingOffer: false, ignoreOffer: false, tile: null };
  peers.set(id, entry);
  for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
  if (screenTrack) {
    const shared = new MediaStream([screenTrack]);
    screenSenders.set(id, pc.addTrack(screenTrack, shared));
  }
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) send({ type: "signal", to: id, candidate: candidate.toJSON() });
  };
  pc.ontrack = ({ track, streams }) => {
    const stream = streams[0] || new MediaStream([track]);
    showStream(id, stream);
    // A stopped screen share leaves an empty stream: take its picture away.
    stream.addEventListener("removetrack", () => {
      if (stream.getTracks().length) return;
      const video = [...(entry.tile?.querySelectorAll("video") || [])].find((v) => v.srcObject === stream);
      if (video && video !== entry.tile.querySelector("video")) video.remove();
    });
  };
  pc.onnegotiationneeded = async () => {
    try {
      entry.makingOffer = true;
      await pc.setLocalDescription();
      send({ type: "signal", to: id, description: pc.localDescription.toJSON() });
    } catch (error) {
      console.warn("negotiation failed", error);
    } finally {
      entry.makingOffer = false;
    }
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") status(strings.joined);
    if (pc.connectionState === "failed") goRelay(true);
  };
  setTimeout(() => {
    if (peers.get(id) === entry && pc.connectionState !== "connected") goRelay(true);
  }, DIRECT_TIMEOUT);
  return entry;
}

async function onSignal(event) {
  if (event.to !== me) return;
  const entry = connect(event.from);
  const pc = entry.pc;
  if (event.description) {
    const description = event.description;
    const collision =
      description.type === "offer" && (entry.makingOffer || pc.signalingState !== "stable");
    entry.ignoreOffer = !entry.polite && collision;
    if (entry.ignoreOffer) return;
    await pc.setRemoteDescription(description);
    if (description.type === "offer") {
      await pc.setLocalDescription();
      send({ type: "signal", to: event.from, description: pc.localDescription.toJSON() });
    }
  } else if (event.candidate) {
    try {
      await pc.addIceCandidate(event.candidate);
    } catch (error) {
      if (!entry.ignoreOffer) console.warn("candidate refused", error);
    }
  }
}

function drop(id) {
  const entry = peers.get(id);
  if (!entry) return;
  entry.pc?.close();
  if (entry.tile) entry.tile.remove();
  peers.delete(id);
  screenSenders.delete(id);
  if (!peers.size) status(strings.waiting);
}

// Tiles of relayed participants show while their pictures arrive: the server sends
// nothing on the lines of an empty seat.
function watchRelay() {
  const seen = new Map();
  const timer = setInterval(async () => {
    if (!relay) return clearInterval(timer);
    const decoded = new Map();
    (await relay.pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "video") decoded.set(report.mid, report.framesDecoded || 0);
    });
    const now = Date.now();
    for (const line of relay.lines) {
      const frames = decoded.get(line.transceiver.mid) || 0;
      const last = seen.get(line.video) || { frames: 0, at: 0 };
      if (frames > last.frames) seen.set(line.video, { frames, at: now });
      const live = now - (seen.get(line.video)?.at || 0) < 3000;
      line.video.hidden = !live;
      if (line.kind === "camera") line.video.closest(".call-tile").hidden = !live;
    }
  }, 1000);
}

async function goRelay(announce) {
  if (relaying || !localStream || !me) return;
  relaying = true;
  if (announce) send({ type: "relay" });
  for (const id of [...peers.keys()]) drop(id);
  status(strings.connecting);
  const lines = [];
  try {
    relay = await openRelay({
      url: root.dataset.relayUrl,
      peer: me,
      localStream,
      screenTrack,
      iceServers: iceServers(),
      onRemote(position, kind, stream, transceiver) {
        const id = `relay-${position}`;
        if (!peers.has(id)) peers.set(id, { pc: null, tile: null });
        const tile = tileFor(id);
        tile.hidden = true;
        const video = document.createElement("video");
        video.playsInline = true;
        video.autoplay = true;
        video.muted = kind === "screen";
        video.hidden = true;
        if (kind === "screen") video.setAttribute("aria-label", strings.screen);
        const placeholder = tile.querySelector("video:not([data-relay-line])");
        if (placeholder) placeholder.remove();
        video.dataset.relayLine = kind;
        tile.insertBefore(video, tile.querySelector("figcaption"));
        video.srcObject = stream;
        video.play().catch(() => {});
        lines.push({ kind, video, transceiver });
      },
    });
  } catch (error) {
    console.warn("relay refused", error);
    status(error.status === 503 ? strings.relayAway : strings.refused);
    return;
  }
  relay.lines = lines;
  root.dataset.relay = "on";
  relay.pc.addEventListener("connectionstatechange", () => {
    if (relay?.pc.connectionState === "connected") status(strings.relayed);
    if (relay?.pc.connectionState === "failed") status(strings.left);
  });
  watchRelay();
}

function handle(event) {
  if (event.type === "welcome") {
    me = event.peer;
    root.dataset.peer = me;
    status(strings.waiting);
    if (forceRelay) goRelay(true);
  } else if (event.type === "relay") {
    goRelay(false);
  } else if (relaying) {
    if (event.type === "join" && event.peer !== me) send({ type: "relay" });
  } else if (event.type === "join" && event.peer !== me && me) {
    send({ type: "here", to: event.peer });
    connect(event.peer);
  } else if (event.type === "here" && event.to === me) {
    connect(event.from);
  } else if (event.type === "signal") {
    onSignal(event).catch((error) => console.warn("signal failed", error));
  } else if (event.type === "leave") {
    drop(event.peer);
  }
}

function open() {
  socket = openEventSocket(root.dataset.callUrl, handle);
  status(strings.connecting);
  socket.addEventListener("open", () => send({ type: "hello" }));
  socket.addEventListener("close", (close) => {
    socket = null;
    for (const id of [...peers.keys()]) drop(id);
    relay?.close();
    relay = null;
    const messages = { 4409: strings.full, 4410: strings.closed, 4403: strings.refused, 4404: strings.refused };
    status(messages[close.code] || strings.left);
    root.dataset.closed = String(close.code);
  });
}

async function share(button) {
  if (relay) {
    if (screenTrack) {
      screenTrack.stop();
      screenTrack = null;
    } else {
      screenTrack = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
      screenTrack.addEventListener("ended", () => screenTrack && share(button));
    }
    await relay.share(screenTrack);
    button.textContent = screenTrack ? strings.unshare : strings.share;
    button.setAttribute("aria-pressed", String(Boolean(screenTrack)));
    return;
  }
  if (screenTrack) {
    for (const [id, sender] of screenSenders) peers.get(id)?.pc.removeTrack(sender);
    screenSenders.clear();
    screenTrack.stop();
    screenTrack = null;
    button.textContent = strings.share;
    button.setAttribute("aria-pressed", "false");
    return;
  }
  const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
  screenTrack = display.getVideoTracks()[0];
  const shared = new MediaStream([screenTrack]);
  for (const [id, entry] of peers) screenSenders.set(id, entry.pc.addTrack(screenTrack, shared));
  screenTrack.addEventListener("ended", () => screenTrack && share(button));
  button.textContent = strings.unshare;
  button.setAttribute("aria-pressed", "true");
}

function toggle(button, kind, onText, offText) {
  const tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
  const enabled = !tracks.every((t) => t.enabled);
  tracks.forEach((t) => (t.enabled = enabled));
  button.textContent = enabled ? offText : onText;
  button.setAttribute("aria-pressed", String(!enabled));
}

async function start(button) {
  button.disabled = true;
  try {
    localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  } catch {
    status(strings.noMedia);
    button.disabled = false;
    return;
  }
  root.querySelector("[data-call-local]").srcObject = localStream;
  button.hidden = true;
  const mute = root.querySelector("[data-call-mute]");
  const camera = root.querySelector("[data-call-camera]");
  const shareButton = root.querySelector("[data-call-share]");
  const leave = root.querySelector("[data-call-leave]");
  for (const b of [mute, camera, leave]) b.hidden = false;
  shareButton.hidden = !navigator.mediaDevices.getDisplayMedia;
  mute.addEventListener("click", () => toggle(mute, "audio", strings.unmute, strings.mute));
  camera.addEventListener("click", () => toggle(camera, "video", strings.cameraOn, strings.cameraOff));
  shareButton.addEventListener("click", () => share(shareButton).catch(() => {}));
  leave.addEventListener("click", () => {
    if (socket) socket.close(1000, "left");
    relay?.close();
    relay = null;
    localStream.getTracks().forEach((t) => t.stop());
    if (screenTrack) screenTrack.stop();
    leave.hidden = true;
  });
  open();
}

if (root) {
  const button = root.querySelector("[data-call-start]");
  status(strings.ready);
  button.addEventListener("click", () => start(button));
}
