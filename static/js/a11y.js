// Small helpers that keep screen readers and keyboard users in step with live pages.

// Writes text only when it changed: a live region then announces real changes, once,
// instead of the same words on every poll.
export function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

// Moves focus to `target` (made focusable from script if it is not) when the control
// that had it is about to disable or hide itself: focus must never fall to the body.
export function moveFocus(target) {
  if (!target) return;
  if (!target.matches("a[href], button:not([disabled]), input, select, textarea, [tabindex]")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
}

// Whether focus is on `element` or inside it.
export function holdsFocus(element) {
  return !!element && element.contains(document.activeElement);
}
