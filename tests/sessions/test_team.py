"""A session's team keeps its controls when its account has the attendee role.

Logged-in attendees share one cached render made for a stand-in with no id
(``fair.visitor_pages``), but an attendee account linked as a programme speaker is on its
session's team (``sessions.team``): that render would hide the moderation buttons and the
material link from them. Real app, real HTTP, SQLite and PostgreSQL: a link or unlink of
the speaker row counts from the very next request, though the logged-in user comes from
memory (``fair.user_cache``).
"""

from __future__ import annotations

from sqlalchemy import update
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.pagecache import PageCache
from sessions.models import Speaker
from tests.support.app import login, make_client
from tests.support.programme import link_speaker, unlinked_speaker_and_attendees

PASSWORD = "ein-langes-passwort-42"
SPEAKER = "vortrag@example.org"
PLAIN = "zuhoerer@example.org"
TEAM_LINK = "Folien und Material verwalten"


async def _unlink(app: Starlette, speaker_id: int) -> None:
    """Unlink with a bulk statement (no object is flushed)."""
    async with app_services(app).db.session() as db:
        await db.execute(update(Speaker).where(Speaker.id == speaker_id).values(user_id=None))
        await db.commit()


def _cache(app: Starlette) -> PageCache:
    cache = app_services(app).page_cache
    assert isinstance(cache, PageCache)
    return cache


async def test_attendee_linked_as_speaker_sees_their_team_controls(demo_app: Starlette) -> None:
    speaker_id, session_id = await unlinked_speaker_and_attendees(
        demo_app, (SPEAKER, PLAIN), PASSWORD
    )
    path = f"/sessions/{session_id}"
    cache = _cache(demo_app)
    async with make_client(demo_app) as plain, make_client(demo_app) as speaker:
        await login(plain, PLAIN, PASSWORD)
        await login(speaker, SPEAKER, PASSWORD)

        async def shares_the_attendees_render() -> bool:
            """The plain attendee's request renders (or finds) the shared entry; the
            speaker's is then served from it, with no entry of their own."""
            assert TEAM_LINK not in (await plain.get(path)).text
            hits, entries = cache.hits, len(cache)
            page = await speaker.get(path)
            assert page.status_code == 200
            shared = (cache.hits, len(cache)) == (hits + 1, entries)
            assert (TEAM_LINK in page.text) is not shared, "an own render exactly when on the team"
            return shared

        assert await shares_the_attendees_render()  # not linked yet
        await link_speaker(demo_app, speaker_id, SPEAKER)
        assert not await shares_the_attendees_render(), "linked speaker got the shared render"
        await _unlink(demo_app, speaker_id)
        assert await shares_the_attendees_render(), "unlinked speaker kept their own render"
