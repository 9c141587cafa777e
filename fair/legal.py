"""The pages a German public body must publish: Impressum (§ 5 DDG), privacy statement
(Art. 13 GDPR) and accessibility statement (§ 12b BGG / BITV 2.0, with the feedback
contact and the enforcement procedure). Organisers write them in Markdown per language;
until they do, a starting text with marked gaps is shown (:mod:`fair.legal_texts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fair.db import utcnow
from fair.errors import HTTPError, bad_request
from fair.i18n import LANGUAGES
from fair.legal_texts import DEFAULT_TEXTS
from fair.models import LegalPage

MAX_BODY = 50_000


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class LegalKind:
    slug: str
    title: str  # German source text, translated through gettext


LEGAL_KINDS = (
    LegalKind("impressum", N_("Impressum")),
    LegalKind("datenschutz", N_("Datenschutzerklärung")),
    LegalKind("barrierefreiheit", N_("Erklärung zur Barrierefreiheit")),
    LegalKind("leichte-sprache", N_("Leichte Sprache")),
    LegalKind("gebaerdensprache", N_("Gebärdensprache")),
)
_KINDS = {k.slug: k for k in LEGAL_KINDS}

# markdown-it with raw HTML switched on, only to find HTML an organiser typed in: the
# page renders with HTML off and sanitised (fair.formatting.render_markdown).
_detector = MarkdownIt("commonmark")


def legal_kind(slug: str) -> LegalKind:
    try:
        return _KINDS[slug]
    except KeyError:
        raise HTTPError(404, "Seite nicht gefunden.") from None


def check_body(body: str, field: str) -> str:
    """Markdown only: raw HTML (a <script>, an <iframe>, an onclick) is refused with the
    field and the offending tag named, rather than silently dropped."""
    if len(body) > MAX_BODY:
        raise bad_request(field, f"höchstens {MAX_BODY} Zeichen")
    if "\x00" in body:
        raise bad_request(field, "enthält ein NUL-Zeichen")
    for token in _detector.parse(body):
        for part in [token, *(token.children or [])]:
            if part.type in ("html_block", "html_inline"):
                tag = part.content.strip().split("\n", 1)[0][:40]
                raise bad_request(
                    field, f"HTML ist nicht erlaubt ({tag}); bitte nur Markdown verwenden"
                )
    return body


async def legal_bodies(db: AsyncSession, slug: str) -> dict[str, str]:
    """The page's text per language: what organisers saved, else the starting text."""
    legal_kind(slug)
    rows = await db.scalars(select(LegalPage).where(LegalPage.slug == slug))
    saved = {row.language: row.body for row in rows}
    return {lang: saved.get(lang) or DEFAULT_TEXTS[slug][lang] for lang in LANGUAGES}


async def save_legal_page(db: AsyncSession, slug: str, bodies: dict[str, str]) -> None:
    """Both languages are checked before either is written: nothing half-saved."""
    legal_kind(slug)
    checked = {lang: check_body(bodies[lang], f"body_{lang}") for lang in LANGUAGES}
    rows = {
        row.language: row
        for row in await db.scalars(select(LegalPage).where(LegalPage.slug == slug))
    }
    for lang, body in checked.items():
        row = rows.get(lang)
        if row is None:
            db.add(LegalPage(slug=slug, language=lang, body=body, updated_at=utcnow()))
        else:
            row.body = body
            row.updated_at = utcnow()
    await db.flush()
