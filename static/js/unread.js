// The exhibitor's menu entry shows how many contact requests and booth-chat messages are
// unread. Progressive enhancement: without JavaScript the dashboard itself marks them.
const link = document.querySelector("[data-unread-badge]");

async function refresh() {
  if (!link) return;
  let counts;
  try {
    const response = await fetch("/exhibitor/unread.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    counts = await response.json();
  } catch {
    return; // offline for a moment: keep the last badge
  }
  const total = counts.requests + counts.chat;
  let badge = link.querySelector(".badge");
  if (!total) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge unread";
    link.append(" ", badge);
  }
  badge.textContent = String(total);
  badge.setAttribute("aria-label", `${total} ${link.dataset.unreadLabel}`);
  badge.dataset.requests = String(counts.requests);
  badge.dataset.chat = String(counts.chat);
}

refresh();
setInterval(refresh, 60_000);
