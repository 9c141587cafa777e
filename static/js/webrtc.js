// Signalling shared by the stage (publisher) and the player (viewer): one JSON POST per
// peer, no trickle ICE — the offer is sent once every local candidate is in it.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function iceServers(element) {
  try {
    const servers = JSON.parse(element.dataset.iceServers || "[]");
    return Array.isArray(servers) ? servers : [];
  } catch {
    return [];
  }
}

export function newPeer(element) {
  return new RTCPeerConnection({ iceServers: iceServers(element), bundlePolicy: "max-bundle" });
}

function gatheringComplete(pc, timeoutMs = 3000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, timeoutMs); // send what we have; host candidates come first
  });
}

export class SignalError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function negotiate(pc, url) {
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc);
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
  });
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = (await response.json()).error || message;
    } catch {
      /* not JSON */
    }
    throw new SignalError(response.status, message);
  }
  await pc.setRemoteDescription(await response.json());
}

export async function fetchStatus(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new SignalError(response.status, response.statusText);
  return response.json();
}
