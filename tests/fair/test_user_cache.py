"""Logged-in users from memory: a cached logged-in page costs no statement, and a change to
an account or a membership is seen by the very next request, here and on another
instance (real Redis)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from starlette.applications import Starlette

from booths.models import Booth
from fair.app_services import app_services
from fair.models import Membership, User
from fair.querycount import counting_queries
from fair.user_cache import UserCache
from tests.support.app import login, make_client
from tests.support.booth_helpers import KRZ, OTHER


def _users(app: Starlette) -> UserCache:
    cache = app_services(app).user_cache
    assert cache is not None
    return cache


async def _set_active(app: Starlette, email: str, active: bool) -> None:
    async with app_services(app).db.session() as db:
        user = await db.scalar(select(User).where(User.email == email))
        assert user is not None
        user.is_active = active
        await db.commit()


async def test_cached_logged_in_page_costs_no_statement(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    for url in ("/programme", "/booths", "/"):
        assert (await client.get(url)).status_code == 200
        with counting_queries() as counted:
            again = await client.get(url)
        assert again.status_code == 200
        assert counted.count == 0, (url, counted.statements)
    assert len(_users(demo_app)) == 1


async def test_deactivated_account_is_logged_out_at_once(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    assert (await client.get("/exhibitor")).status_code == 200
    await _set_active(demo_app, KRZ, False)
    gone = await client.get("/exhibitor")
    assert gone.status_code in (401, 403), gone.status_code
    await _set_active(demo_app, KRZ, True)
    assert (await client.get("/exhibitor")).status_code == 200


async def test_new_membership_is_seen_at_once(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    assert (await client.get(f"/booths/{OTHER}/edit")).status_code == 403
    async with app_services(demo_app).db.session() as db:
        user = await db.scalar(select(User).where(User.email == KRZ))
        booth = await db.scalar(select(Booth).where(Booth.slug == OTHER))
        assert user is not None and booth is not None
        db.add(Membership(user_id=user.id, organisation_id=booth.organisation_id))
        await db.commit()
    assert (await client.get(f"/booths/{OTHER}/edit")).status_code == 200


async def test_deactivation_on_one_instance_reaches_the_other(
    two_instances: tuple[Starlette, Starlette],
) -> None:
    first, second = two_instances
    async with make_client(first) as on_first:
        await login(on_first, KRZ)
        async with make_client(second) as on_second:
            on_second.cookies = on_first.cookies  # one login, both instances
            assert (await on_second.get("/exhibitor")).status_code == 200
            assert len(_users(second)) == 1
            await _set_active(first, KRZ, False)  # committed on the first instance
            # The tag travels through Redis pub/sub (one hub batch, ~0.1 s).
            status = 200
            for _ in range(100):
                status = (await on_second.get("/exhibitor")).status_code
                if status != 200:
                    break
                await asyncio.sleep(0.05)
            assert status in (401, 403), "the other instance kept the deactivated user"
