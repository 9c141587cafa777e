"""Forms an organiser sends while building an event, shared by the tests that build one
(the first setup and the second series next to the demo fair)."""

from __future__ import annotations

import re

import httpx

from tests.support.app import post_form


async def send_series(
    client: httpx.AsyncClient, path: str = "/organiser/series", **fields: str
) -> httpx.Response:
    """The series form (new at ``/organiser/series``, or an existing series' own page),
    with the Berlin time zone and German as the default language unless ``fields`` say
    otherwise: the tests vary titles and dates, not these."""
    return await post_form(
        client, path, **{"time_zone": "Europe/Berlin", "default_language": "de", **fields}
    )


async def create_series_2027(client: httpx.AsyncClient, **extra: str) -> str:
    """As an organiser: the series "Digitale Services 2027" through its form; the address
    of the series page it redirects to. ``extra`` adds optional fields."""
    created = await send_series(
        client,
        title="Digitale Services 2027",
        acronym="DSK27",
        starts_on="2027-11-29",
        ends_on="2027-11-30",
        **extra,
    )
    assert created.status_code == 303, created.text
    return created.headers["location"]


async def delete_first(client: httpx.AsyncClient, page: str, action: str) -> httpx.Response:
    """Press "delete" on the first form of ``page`` whose action matches the pattern
    ``action`` (say ``/organiser/stages/\\d+``); the answer, for the test to judge."""
    listed = await client.get(page)
    found = re.search(f'action="({action})"', listed.text)
    assert found, (page, action)
    return await post_form(client, found.group(1), delete="1")
