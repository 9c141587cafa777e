"""Form errors shown where they happened: the same form again, the input kept, the
message next to its field and in a summary that links to it, in the page's language.

Services and :func:`fair.web.form_text` raise :class:`~fair.errors.HTTPError` with a
``field`` and a German message ``"field: reason"``; this module turns it into the
``{field: translated reason}`` the template macros in ``_form_errors.html`` render.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fair.errors import HTTPError

Translate = Callable[[str], str]

# Reasons with values in them (a limit, a date, a name): the German pattern and its
# catalog message, which names the same groups.
_PATTERNS = (
    (re.compile(r"^höchstens (?P<value>\d+) Zeichen$"), "höchstens %(value)s Zeichen"),
    (re.compile(r"^mindestens (?P<value>\d+) Zeichen$"), "mindestens %(value)s Zeichen"),
    (re.compile(r"^höchstens (?P<value>-?\d+)$"), "höchstens %(value)s"),
    (re.compile(r"^mindestens (?P<value>-?\d+)$"), "mindestens %(value)s"),
    (re.compile(r"^keine gültige ID \(1–(?P<value>\d+)\)$"), "keine gültige ID (1–%(value)s)"),
    (re.compile(r"^Die Datei ist zu groß \(höchstens (?P<value>\d+) MB\)\.$"),
     "Die Datei ist zu groß (höchstens %(value)s MB)."),
    (re.compile(r"^Bild zu groß \(höchstens (?P<value>\d+) MB\)$"),
     "Bild zu groß (höchstens %(value)s MB)"),
    (re.compile(r"^Dateityp nicht erlaubt – (?P<value>.+)$"), "Dateityp nicht erlaubt – %(value)s"),
    (re.compile(r"^HTML ist nicht erlaubt \((?P<value>.*)\); bitte nur Markdown verwenden$"),
     "HTML ist nicht erlaubt (%(value)s); bitte nur Markdown verwenden"),
    (re.compile(r"^„(?P<value>.*)“ ist keine Farbe \(z\. B\. #0b5cad\)$"),
     "„%(value)s“ ist keine Farbe (z. B. #0b5cad)"),
    (re.compile(r"^(?P<value>\S+) ist schon vergeben$"), "%(value)s ist schon vergeben"),
    (re.compile(r"^an (?P<value>\S+) ist schon eine Einladung unterwegs – erneut senden oder "
                r"zurückziehen$"),
     "an %(value)s ist schon eine Einladung unterwegs – erneut senden oder zurückziehen"),
    (re.compile(r"^(?P<value>\S+@\S+) ist bereits registriert$"),
     "%(value)s ist bereits registriert"),
    (re.compile(r"^(?P<value>\S+@\S+) hat bereits ein Konto$"), "%(value)s hat bereits ein Konto"),
    # a recording's chapters (sessions/chapters.py)
    (re.compile(r"^Zeile (?P<line>\d+): „(?P<value>.*)“ ist keine Zeit$"),
     "Zeile %(line)s: „%(value)s“ ist keine Zeit"),
    (re.compile(r"^Zeile (?P<line>\d+): Titel fehlt$"), "Zeile %(line)s: Titel fehlt"),
    (re.compile(r"^Zeile (?P<line>\d+): höchstens (?P<value>\d+) Zeichen$"),
     "Zeile %(line)s: höchstens %(value)s Zeichen"),
    (re.compile(r"^Zeile (?P<line>\d+): (?P<time>\S+) liegt nach dem Ende der Aufzeichnung "
                r"\((?P<end>\S+)\)$"),
     "Zeile %(line)s: %(time)s liegt nach dem Ende der Aufzeichnung (%(end)s)"),
    (re.compile(r"^Zeile (?P<line>\d+): muss nach dem vorigen Kapitel beginnen$"),
     "Zeile %(line)s: muss nach dem vorigen Kapitel beginnen"),
    (re.compile(r"^höchstens (?P<value>\d+) Kapitel$"), "höchstens %(value)s Kapitel"),
    # the event set-up (sessions/series.py, stages.py, topics.py, organisations.py)
    (re.compile(r"^unbekannte Zeitzone (?P<value>.+)$"), "unbekannte Zeitzone %(value)s"),
    (re.compile(r"^eine Bühne (?P<value>.+) gibt es schon$"), "eine Bühne %(value)s gibt es schon"),
    (re.compile(r"^ein Themenfeld (?P<value>.+) gibt es schon$"),
     "ein Themenfeld %(value)s gibt es schon"),
    (re.compile(r"^eine Organisation (?P<value>.+) gibt es schon$"),
     "eine Organisation %(value)s gibt es schon"),
    (re.compile(r"^am (?P<value>[\d.]+) gibt es schon einen Veranstaltungstag$"),
     "am %(value)s gibt es schon einen Veranstaltungstag"),
    (re.compile(r"^(?P<date>[\d.]+) liegt außerhalb der Reihe "
                r"\((?P<first>[\d.]+)–(?P<last>[\d.]+)\)$"),
     "%(date)s liegt außerhalb der Reihe (%(first)s–%(last)s)"),
    (re.compile(r"^die Tage (?P<value>.+) lägen außerhalb der Reihe; erst verlegen$"),
     "die Tage %(value)s lägen außerhalb der Reihe; erst verlegen"),
    (re.compile(r"^Programmpunkte lägen außerhalb des Tages: (?P<value>.+)$"),
     "Programmpunkte lägen außerhalb des Tages: %(value)s"),
    (re.compile(r"^an diesem Tag stehen (?P<value>\d+) Programmpunkte; erst verlegen$"),
     "an diesem Tag stehen %(value)s Programmpunkte; erst verlegen"),
    (re.compile(r"^auf (?P<stage>.+) stehen (?P<count>\d+) Programmpunkte; erst verlegen$"),
     "auf %(stage)s stehen %(count)s Programmpunkte; erst verlegen"),
    (re.compile(r"^(?P<topic>.+) ist in Gebrauch "
                r"\((?P<sessions>\d+) Programmpunkte, (?P<booths>\d+) Stände\)$"),
     "%(topic)s ist in Gebrauch (%(sessions)s Programmpunkte, %(booths)s Stände)"),
)  # fmt: skip


def reason(error: HTTPError, gettext: Translate) -> str:
    """The error's message without its ``field:`` prefix, translated when the catalog
    knows it (a reason it does not know stays as the service wrote it)."""
    text = error.message
    if error.field and text.startswith(f"{error.field}: "):
        text = text[len(error.field) + 2 :]
    for pattern, message in _PATTERNS:
        found = pattern.match(text)
        if found:
            return gettext(message) % found.groupdict()
    return gettext(text)


def field_errors(error: HTTPError, gettext: Translate) -> dict[str, str]:
    """``{field: reason}`` for a form template; a fieldless error goes under ``""``."""
    return {error.field or "": reason(error, gettext)}
