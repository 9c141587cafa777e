"""Two series in one install: last year's (the demo fair) stays browsable under its own
address while next year's is prepared; every page, export, the API and the search show
only their own series, and the home page shows the current one."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from starlette.applications import Starlette

from fair.series_scope import SeriesRow, choose_current
from tests.support.app import login, make_client, post_form
from tests.support.organiser_forms import create_series_2027

DEMO = "digitale-services-2026"


async def _next_year(client: httpx.AsyncClient) -> None:
    """As an organiser: series 2027 with a day, a session and a booth, published."""
    series = await create_series_2027(client)
    series_page = await client.get(series)
    host = re.search(r'<option value="(\d+)"', series_page.text)
    assert host
    day = await post_form(
        client,
        f"{series.split('?')[0]}/days",
        date="2027-11-29",
        title="Tag 1: Zukunft",
        host_id=host.group(1),
        starts="09:00",
        ends="17:00",
    )
    assert day.status_code == 303, day.text
    form = await client.get("/organiser/programme/new")
    day_id = re.findall(r'<option value="(\d+)" >Montag, 29. November 2027', form.text)
    stage_id = re.search(r'<select id="stage_id"[^>]*><option value="(\d+)"', form.text)
    assert day_id and stage_id, form.text[:2000]
    session = await post_form(
        client,
        "/organiser/programme/new",
        title="Ausblick 2027",
        kind="talk",
        day_id=day_id[0],
        stage_id=stage_id.group(1),
        start="10:00",
        duration_minutes="30",
        language="de",
    )
    assert session.status_code == 303, session.text
    booths = await client.get("/organiser/booths")
    org = re.search(
        r'<select id="new-org" name="organisation" required>\s*<option value="(\d+)"', booths.text
    )
    assert org
    booth = await post_form(
        client,
        "/organiser/booths",
        slug="zukunftsstand",
        name="Zukunftsstand 2027",
        organisation=org.group(1),
        day=day_id[0],
    )
    assert booth.status_code == 303, booth.text
    assert (await post_form(client, "/organiser/publish")).status_code == 303


async def test_two_series_side_by_side(demo_app: Starlette) -> None:
    async with make_client(demo_app) as organiser:
        await login(organiser, "orga@example.org")
        await _next_year(organiser)
    async with make_client(demo_app) as visitor:
        # Unprefixed: the current series (the demo runs 2026-11-30 … 2026-12-04).
        home = await visitor.get("/")
        assert "Digitale Services – von Kommunen für Kommunen 2026" in home.text
        assert 'href="/s/dsk27/">Digitale Services 2027</a>' in home.text  # browsable
        assert "Ausblick 2027" not in (await visitor.get("/programme")).text
        assert "Ausblick 2027" not in (await visitor.get("/schedule.ics")).text
        assert "Ausblick 2027" not in (await visitor.get("/api/sessions")).text
        assert "Zukunftsstand 2027" not in (await visitor.get("/booths?q=Zukunftsstand")).text
        # The demo under its own address is the same series.
        demo_home = await visitor.get(f"/s/{DEMO}/")
        assert demo_home.status_code == 200
        assert "2026" in demo_home.text and "Tag 1: Zukunft" not in demo_home.text
        # Next year's under its own address: only its own parts, links kept under it.
        future = await visitor.get("/s/dsk27/")
        assert future.status_code == 200
        assert "Digitale Services 2027" in future.text and "Tag 1: Zukunft" in future.text
        assert "Gelsenkirchen" not in future.text
        assert f'href="/s/{DEMO}/">' in future.text  # last year's, one click away
        programme = await visitor.get("/s/dsk27/programme")
        assert "Ausblick 2027" in programme.text
        assert "Modellregion" not in programme.text
        assert 'href="/s/dsk27/programme' in programme.text
        assert 'href="/static/' in programme.text  # files stay where they are
        ics = await visitor.get("/s/dsk27/schedule.ics")
        assert ics.status_code == 200
        assert "Ausblick 2027" in ics.text and ics.text.count("BEGIN:VEVENT") == 1
        api = (await visitor.get("/s/dsk27/api/sessions")).json()
        assert [s["title"] for s in api["sessions"]] == ["Ausblick 2027"]
        found = await visitor.get("/s/dsk27/booths?q=Zukunftsstand")
        assert "Zukunftsstand 2027" in found.text
        assert (await visitor.get("/s/gibt-es-nicht/")).status_code == 404
        # A single session keeps its address whatever series is current.
        session_path = re.search(r'href="/s/dsk27(/sessions/\d+)"', programme.text)
        assert session_path
        assert "Ausblick 2027" in (await visitor.get(session_path.group(1))).text


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 1), 1),  # running
        (date(2026, 12, 20), 2),  # between: the next one to start
        (date(2028, 1, 1), 2),  # after both: the last one that ended
        (date(2026, 1, 1), 1),  # before both: the next one
    ],
)
def test_current_series(today: date, expected: int) -> None:
    series = [
        SeriesRow(1, "a", date(2026, 11, 30), date(2026, 12, 4)),
        SeriesRow(2, "b", date(2027, 11, 29), date(2027, 11, 30)),
    ]
    assert choose_current(series, today) == expected
