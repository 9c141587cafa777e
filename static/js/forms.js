// Forms that save or upload and come back to the same page, on every page (progressive
// enhancement: the forms work without this module):
// - focus never falls to the page body: after a save or an upload it moves to the status
//   message, after a refused save to the error summary (or the error message), so a
//   screen reader reads the outcome and Tab continues from there;
// - delete forms ask for confirmation;
// - upload forms refuse files over the limit before sending and show progress.
import { moveFocus } from "./a11y.js";

const announceFocus = (element) => {
  if (element) moveFocus(element);
};
announceFocus(
  document.querySelector("#error-summary") ??
    document.querySelector("main .error-message[role=alert]") ??
    document.querySelector("main .notice[role=status]"),
);

const formatMB = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

for (const form of document.querySelectorAll("form.confirm-form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

for (const form of document.querySelectorAll("form.upload-form[data-max-bytes]")) {
  const limit = Number(form.dataset.maxBytes);
  const input = form.querySelector('input[type="file"]');
  let status = form.querySelector(".upload-status");
  if (!status) {
    status = document.createElement("p");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    form.append(status);
  }
  input?.addEventListener("change", () => {
    const file = input.files?.[0];
    input.setCustomValidity(file && file.size > limit ? `max. ${formatMB(limit)}` : "");
    status.textContent = file ? `${file.name}: ${formatMB(file.size)}` : "";
  });
  form.addEventListener("submit", (event) => {
    if (!window.XMLHttpRequest || !window.FormData) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) status.textContent = `${Math.round((100 * e.loaded) / e.total)} %`;
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400) {
        window.location.assign(xhr.responseURL || window.location.href);
      } else {
        let message = "";
        try {
          message = JSON.parse(xhr.responseText).error; // limits answered by middleware
        } catch {
          const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
          const shown = page.querySelector(".field-error, .error-message");
          message = shown?.textContent?.trim() ?? "";
        }
        status.textContent = message || `${xhr.status}`;
        form.querySelector('button[type="submit"]')?.removeAttribute("disabled");
        announceFocus(status);
      }
    });
    xhr.addEventListener("error", () => {
      status.textContent = "⚠";
      form.querySelector('button[type="submit"]')?.removeAttribute("disabled");
      announceFocus(status);
    });
    // The button disables itself while the file travels: focus goes to the progress line.
    announceFocus(status);
    form.querySelector('button[type="submit"]')?.setAttribute("disabled", "");
    xhr.send(new FormData(form));
  });
}
