// The appointment call through the server, for when browsers cannot reach each other.
// One RTCPeerConnection to the server with a fixed layout (see booths/call_relay.py):
// three lines we send (microphone, camera, screen), then for each of the other three
// seats of the room its microphone, camera and screen. A screen share only swaps the
// track on the pre-made screen line, so nobody ever renegotiates.

const SEATS = 4;

function csrf() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 5000); // send what we have; host candidates come first
  });
}

// onRemote(position, kind, stream, transceiver) is called once per received picture:
// kind is "camera" (the stream also carries that seat's microphone) or "screen".
export async function openRelay({ url, peer, localStream, screenTrack, iceServers, onRemote }) {
  const pc = new RTCPeerConnection({ iceServers });
  const audio = localStream.getAudioTracks()[0] || "audio";
  const video = localStream.getVideoTracks()[0] || "video";
  pc.addTransceiver(audio, { direction: "sendonly", streams: [localStream] });
  pc.addTransceiver(video, { direction: "sendonly", streams: [localStream] });
  const screen = pc.addTransceiver(screenTrack || "video", { direction: "sendonly" }).sender;
  for (let position = 0; position < SEATS - 1; position++) {
    const person = new MediaStream();
    const shared = new MediaStream();
    const lines = [
      [pc.addTransceiver("audio", { direction: "recvonly" }), person],
      [pc.addTransceiver("video", { direction: "recvonly" }), person],
      [pc.addTransceiver("video", { direction: "recvonly" }), shared],
    ];
    for (const [transceiver, stream] of lines) stream.addTrack(transceiver.receiver.track);
    onRemote(position, "camera", person, lines[1][0]);
    onRemote(position, "screen", shared, lines[2][0]);
  }
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch(`${url}?peer=${encodeURIComponent(peer)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: "offer" }),
  });
  if (!response.ok) {
    pc.close();
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch {
      // keep the status line
    }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  await pc.setRemoteDescription(await response.json());
  return {
    pc,
    share(track) {
      return screen.replaceTrack(track);
    },
    close() {
      pc.close();
    },
  };
}
