"""From an empty install: the one-time setup link and the event structure built in the
browser's forms (over real HTTP), with clear refusals. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from starlette.applications import Starlette

from fair.accounts import create_setup_token
from fair.app_services import app_services
from fair.db import utcnow
from fair.models import AccountToken, AuditEntry, EventDay, User
from tests.support.app import NEW_PASSWORD, csrf_of, login, make_client, post_form
from tests.support.form_errors import error_at
from tests.support.organiser_forms import create_series_2027, delete_first, send_series


async def _setup_token(app: Starlette) -> str:
    async with app_services(app).db.session() as db:
        token = await create_setup_token(db)
        await db.commit()
    assert token is not None
    return token


async def _send_setup(
    client: httpx.AsyncClient,
    token: str,
    name: str,
    email: str,
    password: str = NEW_PASSWORD,
    password_repeat: str | None = None,
) -> httpx.Response:
    """The setup form: the first organiser's name, address and password (twice)."""
    repeat = password if password_repeat is None else password_repeat
    return await post_form(
        client,
        f"/setup/{token}",
        name=name,
        email=email,
        password=password,
        password_repeat=repeat,
    )


async def _first_organiser(app: Starlette, client: httpx.AsyncClient) -> None:
    token = await _setup_token(app)
    response = await _send_setup(client, token, "Olga Organisatorin", "olga@example.org")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/organiser?welcome=1"


async def _count(app: Starlette, model: Any) -> int:
    async with app_services(app).db.session() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_empty_install_home_says_what_to_do(empty_app: Starlette) -> None:
    async with make_client(empty_app) as visitor:
        page = await visitor.get("/")
    assert page.status_code == 200
    assert "Einrichtungslink" in page.text
    assert "Jetzt live" not in page.text  # no empty boxes


async def test_setup_link_creates_the_first_organiser_once(empty_app: Starlette) -> None:
    async with make_client(empty_app) as client:
        token = await _setup_token(empty_app)
        other = await _setup_token(empty_app)  # fair serve started twice
        form = await client.get(f"/setup/{token}")
        assert form.status_code == 200
        mismatch = await _send_setup(
            client, token, "X", "x@example.org", password_repeat="anders-als-oben"
        )
        assert mismatch.status_code == 400
        assert "password_repeat" in mismatch.text
        # the same form again: input kept, the error at its field and in the summary
        assert 'value="x@example.org"' in mismatch.text
        assert 'aria-invalid="true" aria-describedby="password_repeat-error"' in mismatch.text
        assert '<a href="#password_repeat">' in mismatch.text
        assert await _count(empty_app, User) == 0
        short = await _send_setup(client, token, "X", "x@example.org", password="kurz")
        assert short.status_code == 400
        assert "mindestens 10 Zeichen" in short.text
        ok = await _send_setup(client, token, "Olga", "Olga@Example.org")
        assert ok.status_code == 303
        home = await client.get("/organiser?welcome=1")
        assert home.status_code == 200
        assert "Veranstaltungsreihe" in home.text
    async with make_client(empty_app) as stranger:
        for used in (token, other):
            again = await stranger.get(f"/setup/{used}")
            assert again.status_code == 404
            assert "ungültig, abgelaufen oder schon benutzt" in again.text
        replay = await _send_setup(stranger, token, "Evil", "evil@example.org")
        assert replay.status_code == 404
    async with app_services(empty_app).db.session() as db:
        assert await create_setup_token(db) is None  # there is an organiser now
    assert await _count(empty_app, User) == 1


async def test_expired_setup_link_is_refused(empty_app: Starlette) -> None:
    token = await _setup_token(empty_app)
    async with app_services(empty_app).db.session() as db:
        await db.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        await db.commit()
    async with make_client(empty_app) as client:
        assert (await client.get(f"/setup/{token}")).status_code == 404


async def _build_series(client: httpx.AsyncClient) -> int:
    location = await create_series_2027(
        client, opening_hours="täglich 9–17 Uhr", description="Die **zweite** Reihe."
    )
    match = re.fullmatch(r"/organiser/series/(\d+)\?saved=1", location)
    assert match
    return int(match.group(1))


async def _organisation(client: httpx.AsyncClient, name: str, kind: str) -> None:
    response = await post_form(
        client,
        "/organiser/organisations",
        name=name,
        kind=kind,
        region="Münsterland",
        city="Münster",
        website="https://example.org",
        description="",
    )
    assert response.status_code == 303, response.text


async def test_organiser_builds_the_event_with_clear_refusals(empty_app: Starlette) -> None:
    async with make_client(empty_app) as client:
        await _first_organiser(empty_app, client)
        bad_zone = await send_series(
            client, title="X", starts_on="2027-01-02", ends_on="2027-01-01"
        )
        assert bad_zone.status_code == 400
        assert error_at(bad_zone, "series-ends") == "liegt vor dem ersten Tag der Reihe"
        series_id = await _build_series(client)
        await _organisation(client, "Kreis Borken", "host_region")
        await _organisation(client, "Stadt Münster", "host_region")
        duplicate = await post_form(
            client, "/organiser/organisations", name="stadt münster", kind="municipality"
        )
        assert duplicate.status_code == 409
        page = await client.get("/organiser/organisations")
        ids = [int(i) for i in re.findall(r'action="/organiser/organisations/(\d+)"', page.text)]
        assert len(ids) == 2
        day_path = f"/organiser/series/{series_id}/days"
        day = {
            "title": "Tag 1: Bürgerservice",
            "host_id": str(ids[0]),
            "starts": "09:00",
            "ends": "16:00",
        }
        assert (await post_form(client, day_path, date="2027-11-29", **day)).status_code == 303
        audit_before = await _count(empty_app, AuditEntry)
        outside = await post_form(client, day_path, date="2027-12-01", **day)
        assert outside.status_code == 400
        assert error_at(outside, "new-day-date") == (
            "01.12.2027 liegt außerhalb der Reihe (29.11.2027–30.11.2027)"
        )
        overlap = await post_form(client, day_path, date="2027-11-29", **day)
        assert overlap.status_code == 409
        assert error_at(overlap, "new-day-date") == (
            "am 29.11.2027 gibt es schon einen Veranstaltungstag"
        )
        backwards = await post_form(client, day_path, date="2027-11-30", **{**day, "ends": "08:00"})
        assert backwards.status_code == 400
        assert error_at(backwards, "new-day-ends") == "muss nach dem Beginn liegen"
        assert await _count(empty_app, EventDay) == 1
        assert await _count(empty_app, AuditEntry) == audit_before  # nothing half-written
        second = {**day, "host_id": str(ids[1]), "title": "Tag 2: Sicherheit"}
        assert (await post_form(client, day_path, date="2027-11-30", **second)).status_code == 303
        # Shrinking the series would leave a day outside it.
        shrink = await send_series(
            client,
            f"/organiser/series/{series_id}",
            title="Digitale Services 2027",
            starts_on="2027-11-29",
            ends_on="2027-11-29",
        )
        assert shrink.status_code == 400
        assert "30.11.2027" in error_at(shrink, "series-starts")
        assert (await post_form(client, "/organiser/stages", name="Hauptbühne")).status_code == 303
        assert (await post_form(client, "/organiser/stages", name="hauptbühne")).status_code == 409
        for de, en in (("Bürgerservice", "Citizen services"), ("Sicherheit", "Security")):
            added = await post_form(client, "/organiser/topics", name_de=de, name_en=en)
            assert added.status_code == 303
        series_page = await client.get(f"/organiser/series/{series_id}")
        assert "Tag 2: Sicherheit" in series_page.text
        assert "Stadt Münster" in series_page.text
        home = await client.get("/")
        assert "Digitale Services 2027" in home.text
        audit = await client.get("/organiser/audit")
        assert "Olga Organisatorin" in audit.text
        assert "Hauptbühne" in audit.text


async def test_in_use_stage_topic_and_day_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    await login(client, "orga@example.org")
    refused = await delete_first(client, "/organiser/stages", r"/organiser/stages/\d+")
    assert refused.status_code == 409
    assert "Programmpunkte; erst verlegen" in refused.text
    in_use = await delete_first(client, "/organiser/topics", r"/organiser/topics/\d+")
    assert in_use.status_code == 409
    assert "ist in Gebrauch" in in_use.text
    series = await client.get("/organiser/series")
    series_id = re.search(r'href="/organiser/series/(\d+)"', series.text)
    assert series_id
    day_refused = await delete_first(
        client, f"/organiser/series/{series_id.group(1)}", r"/organiser/series/\d+/days/\d+"
    )
    assert day_refused.status_code == 409
    assert "stehen" in day_refused.text
    # A fresh stage without sessions can go.
    assert (await post_form(client, "/organiser/stages", name="Nebenraum")).status_code == 303
    stages = await client.get("/organiser/stages")
    new_id = re.findall(r'action="/organiser/stages/(\d+)"', stages.text)[-1]
    assert (await post_form(client, f"/organiser/stages/{new_id}", delete="1")).status_code == 303
    assert "Nebenraum" not in (await client.get("/organiser/stages")).text


async def test_a_session_outside_its_day_is_refused(client: httpx.AsyncClient) -> None:
    await login(client, "orga@example.org")
    form = await client.get("/organiser/programme/new")
    day_id = re.search(r'<select id="day_id"[^>]*><option value="(\d+)"', form.text)
    stage_id = re.search(r'<select id="stage_id"[^>]*><option value="(\d+)"', form.text)
    assert day_id and stage_id
    late = await post_form(
        client, "/organiser/programme/new", title="Nachtschicht", kind="talk",
        day_id=day_id.group(1), stage_id=stage_id.group(1), start="22:30",
        duration_minutes="60", language="de",
    )  # fmt: skip
    # Outside the day's hours is a clash the form names; saved only when overridden.
    assert late.status_code == 409
    assert "09:00–16:00" in late.text
    assert "Nachtschicht" not in (await client.get("/organiser/programme")).text


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


async def test_organisation_logo_upload(demo_app: Starlette, client: httpx.AsyncClient) -> None:
    await login(client, "orga@example.org")
    page = await client.get("/organiser/organisations")
    org_id = re.search(r'action="/organiser/organisations/(\d+)/logo"', page.text)
    assert org_id
    path = f"/organiser/organisations/{org_id.group(1)}/logo"
    token = await csrf_of(client, "/organiser/organisations")
    refused = await client.post(
        path,
        data={"csrf_token": token},
        files={"file": ("x.pdf", b"%PDF-1.4\n", "application/pdf")},
    )
    assert refused.status_code == 415
    saved = await client.post(
        path, data={"csrf_token": token}, files={"file": ("logo.png", PNG, "image/png")}
    )
    assert saved.status_code == 303, saved.text
    logo = await client.get(f"/organisations/{org_id.group(1)}/logo")
    assert logo.status_code == 200 and logo.content == PNG
    assert (
        f'src="/organisations/{org_id.group(1)}/logo"'
        in (await client.get("/organiser/organisations")).text
    )
    async with make_client(demo_app) as anonymous:
        token = await csrf_of(anonymous)
        denied = await anonymous.post(
            path, data={"csrf_token": token}, files={"file": ("logo.png", PNG, "image/png")}
        )
        assert denied.status_code == 401
