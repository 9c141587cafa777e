"""German first, English via gettext.

Catalogs live as ``.po`` files in ``fair/locale``; they are compiled in memory at
start-up with Babel, so there is no build step and no compiled file in the repo.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import HTTPConnection

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("de", "en")
LANGUAGE_COOKIE = "fair_lang"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for ``language``; German is the source language and needs none.

    Every ``*.po`` file in the language's folder is merged (one per package: core,
    booths, sessions), so packages keep their own strings.
    """
    po_paths = sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))
    if language == "de" or not po_paths:
        return gettext.NullTranslations()
    merged: Translations | None = None
    for po_path in po_paths:
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(fp=buffer)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    assert merged is not None
    return merged


def negotiate_language(conn: HTTPConnection, default: str) -> str:
    """``?lang=`` (a switch just made), then the visitor's stored choice, then the
    default. German first: the browser's Accept-Language does not override it, since
    the audience is German public administration and English is an explicit choice."""
    chosen = conn.query_params.get("lang") or conn.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return default


def gettext_for(language: str) -> gettext.NullTranslations:
    return translations(language if language in LANGUAGES else "de")
