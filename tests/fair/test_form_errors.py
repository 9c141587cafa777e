"""Every form that once answered bad input with a generic error page (issue 19, "form
errors") now shows the same page again: status 400 (or the refusal's own 409 or 415), the
input kept, the reason next to the named field, tied to it and linked from the summary,
in the page's language. One table, over real HTTP, German and English, SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx
import lxml.html
import pytest

from tests.support.app import csrf_of, login
from tests.support.form_errors import error_at

BOOTH = "owl-schueler-online"
NOT_A_PICTURE = ("bild.png", b"kein Bild, nur Text", "image/png")


@dataclass(frozen=True)
class Row:
    """One refused form: where it posts (``{series}``, ``{day}`` … are filled from the
    demo fair), what it sends, the input that must carry the reason (German, English; a
    reason ending in "…" is a prefix), and an input whose typed value must stay."""

    action: str
    data: dict[str, str]
    input_id: str
    reason: tuple[str, str]
    kept: tuple[str, str] | None = None
    file: tuple[str, bytes, str] | None = None
    status: int = 400
    extra: dict[str, str] = field(default_factory=dict)


REQUIRED = ("Pflichtfeld", "This field is required")
ROWS = {
    "series-new": Row(
        "/organiser/series",
        {"title": "   ", "acronym": "KEPT27", "starts_on": "2027-11-29", "ends_on": "2027-11-30",
         "time_zone": "Europe/Berlin", "default_language": "de"},
        "series-title", REQUIRED, ("series-acronym", "KEPT27"),
    ),
    "series-edit": Row(
        "/organiser/series/{series}",
        {"title": "Umbenannt", "starts_on": "2027-11-30", "ends_on": "2027-11-29",
         "time_zone": "Europe/Berlin", "default_language": "de"},
        "series-ends",
        ("liegt vor dem ersten Tag der Reihe", "is before the series' first day"),
        ("series-title", "Umbenannt"),
    ),
    "day-new": Row(
        "/organiser/series/{series}/days",
        {"date": "kaputt", "title": "Neuer Tag", "host_id": "{organisation}",
         "starts": "09:00", "ends": "17:00"},
        "new-day-date", ("Datum als JJJJ-MM-TT", "date as YYYY-MM-DD"),
        ("new-day-title", "Neuer Tag"),
    ),
    "day-edit": Row(
        "/organiser/series/{series}/days/{day}",
        {"date": "{day_date}", "title": "Geändertes Motto", "host_id": "{organisation}",
         "starts": "10:00", "ends": "09:00"},
        "day-{day}-ends", ("muss nach dem Beginn liegen", "must be after the start"),
        ("day-{day}-title", "Geändertes Motto"),
    ),
    "host-mark": Row(
        "/organiser/days/{day}/mark", {}, "day-mark-{day}",
        ("Dateityp nicht erlaubt – …", "File type not allowed – …"),
        file=NOT_A_PICTURE, status=415,
    ),
    "stage-new": Row(
        "/organiser/stages", {"name": "B" * 201}, "stage-name",
        ("höchstens 200 Zeichen", "at most 200 characters"), ("stage-name", "B" * 201),
    ),
    "stage-rename": Row("/organiser/stages/{stage}", {"name": " "}, "stage-{stage}", REQUIRED),
    "topic-new": Row(
        "/organiser/topics", {"name_de": "  ", "name_en": "Kept topic"}, "topic-name-de",
        REQUIRED, ("topic-name-en", "Kept topic"),
    ),
    "topic-edit": Row(
        "/organiser/topics/{topic}", {"name_de": "Geändert", "name_en": ""},
        "topic-en-{topic}", REQUIRED, ("topic-de-{topic}", "Geändert"),
    ),
    "organisation-new": Row(
        "/organiser/organisations",
        {"name": "Kreis Neuland", "kind": "municipality", "website": "ftp://neuland.de"},
        "new-org-website",
        ("mit https:// oder http:// beginnen", "must start with https:// or http://"),
        ("new-org-name", "Kreis Neuland"),
    ),
    "organisation-edit": Row(
        "/organiser/organisations/{organisation}",
        {"name": " ", "kind": "municipality", "city": "Neustadt"},
        "org-{organisation}-name", REQUIRED, ("org-{organisation}-city", "Neustadt"),
    ),
    "organisation-logo": Row(
        "/organiser/organisations/{organisation}/logo", {}, "org-logo-{organisation}",
        ("Dateityp nicht erlaubt – …", "File type not allowed – …"),
        file=NOT_A_PICTURE, status=415,
    ),
    "legal-text": Row(
        "/organiser/legal/impressum", {"body_de": " ", "body_en": "Kept imprint"}, "body-de",
        REQUIRED, ("body-en", "Kept imprint"),
    ),
    "programme-move": Row(
        "/organiser/programme/{session}/move",
        {"day_id": "{day}", "stage_id": "{stage}", "start": "kaputt"},
        "move-start", ("Uhrzeit als HH:MM", "time as HH:MM"), ("move-start", "kaputt"),
    ),
    "faq-new": Row(
        "/organiser/faq", {"session_id": "", "question": "Gibt es Kaffee?", "answer": " "},
        "faq-answer", REQUIRED, ("faq-question", "Gibt es Kaffee?"),
    ),
    "session-material": Row(
        "/sessions/{session}/materials", {"title": "Kept slides"}, "new-file",
        ("Die Datei ist leer oder es wurde keine ausgewählt.",
         "The file is empty or none was chosen."),
        ("new-title", "Kept slides"), file=("leer.pdf", b"", "application/pdf"),
    ),
    "login": Row("/login", {"email": " ", "password": "geheim"}, "email", REQUIRED),
    "people-invite": Row(
        "/organiser/people", {"email": "kaputt", "name": "Kept Person", "role": "exhibitor"},
        "invite-email", ("keine gültige E-Mail-Adresse", "not a valid email address"),
        ("invite-name", "Kept Person"),
    ),
    "sign-language-video": Row(
        "/organiser/legal/gebaerdensprache/video", {}, "sign-video",
        ("Dateityp nicht erlaubt – …", "File type not allowed – …"),
        file=("dgs.mp4", b"kein Video", "video/mp4"), status=415,
    ),
    "branding": Row(
        "/organiser/branding", {"name": "", "accent": "#0b5cad"}, "brand-name", REQUIRED,
        ("brand-accent", "#0b5cad"),
    ),
    "branding-favicon": Row(
        "/organiser/branding/favicon", {}, "favicon-file",
        ("Dateityp nicht erlaubt – …", "File type not allowed – …"),
        file=NOT_A_PICTURE, status=415,
    ),
    "booth-new": Row(
        "/organiser/booths",
        {"slug": "Kein Kurzname!", "name": "Neuer Stand", "organisation": "{organisation}"},
        "new-slug",
        ("nur Kleinbuchstaben, Ziffern und Bindestriche (3–80)",
         "lower-case letters, digits and hyphens only (3–80)"),
        ("new-name", "Neuer Stand"),
    ),
    "booth-assign": Row(
        f"/organiser/booths/{BOOTH}/exhibitors", {"email": "kaputt"}, "assign-{booth}",
        ("keine gültige E-Mail-Adresse", "not a valid email address"), ("assign-{booth}", "kaputt"),
    ),
    "contact-new": Row(
        f"/booths/{BOOTH}/contacts", {"name": "", "role": "Kept role"}, "contact-new-name",
        REQUIRED, ("contact-new-role", "Kept role"),
    ),
    "contact-edit": Row(
        f"/booths/{BOOTH}/contacts/{{contact}}", {"name": "Eva Muster", "email": "kaputt"},
        "contact-{contact}-email", ("keine gültige E-Mail-Adresse", "not a valid email address"),
        ("contact-{contact}-name", "Eva Muster"),
    ),
    "material-version": Row(
        f"/booths/{BOOTH}/materials/{{material}}", {"title": "Kept version"},
        "replace-file-{material}",
        ("Die Datei ist leer oder es wurde keine ausgewählt.",
         "The file is empty or none was chosen."),
        ("replace-title-{material}", "Kept version"), file=("leer.pdf", b"", "application/pdf"),
    ),
    "booth-logo": Row(
        f"/booths/{BOOTH}/logo", {}, "logo-file",
        ("Dateityp nicht erlaubt – …", "File type not allowed – …"),
        file=NOT_A_PICTURE, status=415,
    ),
    "slots": Row(
        f"/booths/{BOOTH}/slots",
        {"contact": "{contact}", "day": "{day}", "from": "kaputt", "until": "12:00",
         "minutes": "30"},
        "sl-from", ("Uhrzeit als HH:MM", "time as HH:MM"), ("sl-until", "12:00"),
    ),
    "link": Row(
        f"/booths/{BOOTH}/links", {"title": "Kept link", "url": "javascript:alert(1)"},
        "link-url", ("nur http:// oder https://-Adressen", "only http:// or https:// addresses"),
        ("link-title", "Kept link"),
    ),
}  # fmt: skip


async def _ids(client: httpx.AsyncClient) -> dict[str, str]:
    """The demo fair's rows the table's forms edit, read from the organiser's pages."""

    async def first(page: str, pattern: str) -> str:
        found = re.search(pattern, (await client.get(page)).text)
        assert found, (page, pattern)
        return found.group(1)

    series = await first("/organiser/series", r'href="/organiser/series/(\d+)"')
    series_page = (await client.get(f"/organiser/series/{series}")).text
    day = re.search(r'action="/organiser/series/\d+/days/(\d+)"', series_page)
    assert day
    day_date = re.search(rf'id="day-{day.group(1)}-date"[^>]*value="([\d-]+)"', series_page)
    assert day_date
    return {
        "series": series,
        "day": day.group(1),
        "day_date": day_date.group(1),
        "session": await first(
            "/organiser/programme", r'href="/organiser/programme/(\d+)/edit"'
        ),
        "stage": await first("/organiser/stages", r'action="/organiser/stages/(\d+)"'),
        "topic": await first("/organiser/topics", r'action="/organiser/topics/(\d+)"'),
        "organisation": await first(
            "/organiser/organisations", r'action="/organiser/organisations/(\d+)"'
        ),
        "booth": await first(
            "/organiser/booths", rf'action="/organiser/booths/{BOOTH}/exhibitors"[^<]*<[^>]*>'
            r'\s*<label for="assign-(\d+)"'
        ),
        "material": await first(
            f"/booths/{BOOTH}/edit", rf'action="/booths/{BOOTH}/materials/(\d+)"'
        ),
        "contact": await first(
            f"/booths/{BOOTH}/edit", rf'action="/booths/{BOOTH}/contacts/(\d+)"'
        ),
    }  # fmt: skip


def _typed(response: httpx.Response, input_id: str) -> str:
    """The value an input, text area or select shows."""
    element = lxml.html.fromstring(response.text).get_element_by_id(input_id)
    if element.tag == "textarea":
        return str(element.text or "")
    return str(element.get("value") or "")


@pytest.mark.parametrize("language", ["de", "en"])
async def test_a_refused_form_comes_back_with_the_input_and_the_error_at_its_field(
    client: httpx.AsyncClient, language: str
) -> None:
    await login(client, "orga@example.org")
    ids = await _ids(client)
    client.cookies.set("fair_lang", language)
    token = await csrf_of(client, "/organiser")
    for name, row in ROWS.items():
        data = {key: value.format(**ids) for key, value in row.data.items()}
        files = {"file": row.file} if row.file else None
        sent = await client.post(
            row.action.format(**ids), data={"csrf_token": token, **data}, files=files
        )
        assert sent.status_code == row.status, (name, sent.text[-2000:])
        assert f'<html lang="{language}"' in sent.text, name
        shown = error_at(sent, row.input_id.format(**ids))
        reason = row.reason[language == "en"]
        if reason.endswith("…"):
            assert shown.startswith(reason[:-1]), (name, shown)
        else:
            assert shown == reason, (name, shown)
        if row.kept:
            kept_id, value = row.kept
            assert _typed(sent, kept_id.format(**ids)) == value, name
