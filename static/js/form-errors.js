// A form came back with errors (fair/templates/_form_errors.html): focus goes to the
// summary, so a screen reader reads what to fix and Tab leads to the links to the fields.
const summary = document.querySelector("#error-summary");
if (summary) summary.focus();
