// Counted words in the page's language ("1 Person schaut zu", "3 Personen schauen zu").
// Markup: a number element followed by <span data-count-one="…" data-count-other="…">,
// both forms translated by the server (gettext plurals). Whatever script updates the
// number, this module picks the matching form (Intl.PluralRules) when the number changes.

const lang = document.documentElement.lang || "de";
const rules = new Intl.PluralRules(lang);

function update(number, word) {
  const count = Number((number.textContent || "").replace(/[^\d]/g, ""));
  if (!Number.isFinite(count)) return;
  word.textContent = rules.select(count) === "one" ? word.dataset.countOne : word.dataset.countOther;
}

for (const word of document.querySelectorAll("[data-count-one]")) {
  const number = word.previousElementSibling;
  if (!number) continue;
  update(number, word);
  new MutationObserver(() => update(number, word)).observe(number, {
    childList: true,
    characterData: true,
    subtree: true,
  });
}
