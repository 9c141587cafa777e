"""Every German UI string has an English translation, and both languages render."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
CATALOG_DIR = ROOT / "fair" / "locale" / "en" / "LC_MESSAGES"
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
    ("fair/**.py", "python"),
    ("booths/**.py", "python"),
    ("sessions/**.py", "python"),
]
OPTIONS = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "**/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
}


def _source_messages() -> set[str]:
    messages: set[str] = set()
    for package in ("fair", "booths", "sessions"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / package), METHOD_MAP, OPTIONS
        ):
            if isinstance(message, tuple):
                messages.update(m for m in message if m)
            elif message:
                messages.add(message)
    return messages


def _translations() -> dict[str, str]:
    translated: dict[str, str] = {}
    for po_path in CATALOG_DIR.glob("*.po"):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file):
                if message.id and message.string and isinstance(message.id, str):
                    translated[message.id] = str(message.string)
                elif isinstance(message.id, tuple) and all(message.string):
                    # A plural: singular and plural source both count as translated.
                    for source, target in zip(message.id, message.string, strict=False):
                        translated[source] = str(target)
    return translated


def test_every_ui_string_has_an_english_translation() -> None:
    missing = sorted(_source_messages() - set(_translations()))
    assert missing == [], f"add to fair/locale/en/LC_MESSAGES/*.po: {missing}"
