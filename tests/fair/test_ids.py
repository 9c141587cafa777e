"""Ids from forms: one parser (:func:`fair.ids.form_id`) refuses a missing or bad choice
with a 400 naming the field, before any query, on every form that picks a row by id."""

from __future__ import annotations

import httpx
import pytest
from starlette.datastructures import FormData

from fair.errors import HTTPError
from fair.ids import MAX_ID, form_id
from tests.support.app import login, submit_form
from tests.support.booth_helpers import KRZ, ORGANISER

BAD_IDS = ("abc", "0", "-3", "1.5", "١٢", str(MAX_ID + 1), "9" * 30, "1\x00")


def test_form_id_takes_ids_both_databases_can_store() -> None:
    form = FormData([("day", " 42 "), ("top", str(MAX_ID)), ("empty", "  ")])
    assert form_id(form, "day") == 42
    assert form_id(form, "top") == MAX_ID
    assert form_id(form, "empty", required=False) is None
    assert form_id(form, "absent", required=False) is None
    for name in ("empty", "absent"):
        with pytest.raises(HTTPError) as missing:
            form_id(form, name)
        assert (missing.value.status_code, missing.value.field) == (400, name)
        assert missing.value.message == f"{name}: Pflichtfeld"


@pytest.mark.parametrize("raw", BAD_IDS)
def test_form_id_refuses_what_is_no_id(raw: str) -> None:
    for required in (True, False):
        with pytest.raises(HTTPError) as refused:
            form_id(FormData([("day", raw)]), "day", required=required)
        assert (refused.value.status_code, refused.value.field) == (400, "day")
        assert refused.value.message == "day: ungültige Auswahl"


async def test_forms_refuse_a_bad_id_naming_the_field(client: httpx.AsyncClient) -> None:
    """One form of each package that now parses its ids with form_id, through real HTTP."""
    await login(client, ORGANISER)
    booth = {"slug": "neuer-stand", "name": "Neuer Stand"}
    for raw in ("abc", str(MAX_ID + 1)):
        page = await submit_form(
            client, "/organiser/booths", "/organiser/booths", **booth, organisation=raw
        )
        assert page.status_code == 400 and "organisation" in page.text, page.text[:300]
    missing = await submit_form(client, "/organiser/booths", "/organiser/booths", **booth)
    assert missing.status_code == 400 and "organisation" in missing.text
    new = "/organiser/programme/new"
    session = {"title": "T", "kind": "talk", "day_id": "0", "stage_id": "1", "start": "10:00"}
    refused = await submit_form(client, new, new, **session, duration_minutes="30")
    assert refused.status_code == 400 and "day_id" in refused.text, refused.text[:300]
    invited = await submit_form(
        client, "/organiser/people", "/organiser/people",
        email="neu@example.org", role="speaker", speaker_id="x",
    )  # fmt: skip
    assert invited.status_code == 400 and "speaker_id" in invited.text, invited.text[:300]
    await login(client, KRZ)
    slots = "/booths/ac-digicheck/slots"
    plan = {"contact": "1", "day": "99999999999", "from": "10:00", "until": "11:00"}
    published = await submit_form(client, slots, slots, **plan, minutes="30")
    assert published.status_code == 400 and "day" in published.text, published.text[:300]
