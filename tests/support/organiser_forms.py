"""Forms an organiser sends while building an event, shared by the tests that build one
(the first setup and the second series next to the demo fair)."""

from __future__ import annotations

import httpx

from tests.support.app import post_form


async def create_series_2027(client: httpx.AsyncClient, **extra: str) -> str:
    """As an organiser: the series "Digitale Services 2027" through its form; the address
    of the series page it redirects to. ``extra`` adds optional fields."""
    created = await post_form(
        client,
        "/organiser/series",
        title="Digitale Services 2027",
        acronym="DSK27",
        starts_on="2027-11-29",
        ends_on="2027-11-30",
        time_zone="Europe/Berlin",
        default_language="de",
        **extra,
    )
    assert created.status_code == 303, created.text
    return created.headers["location"]
