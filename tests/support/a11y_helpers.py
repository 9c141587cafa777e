"""Shared parts of the accessibility tests: a demo server with an attendee account,
logging a browser context in, and the checks a keyboard user depends on."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fair.auth import create_user
from fair.db import Database
from fair.models import Role
from sessions.models import ProgrammeSession
from tests.support.app import DEMO_PASSWORD, TemplateDatabases
from tests.support.app_server import AppServer, start_app_server

ATTENDEE = "besucher@example.org"
ACCOUNTS = {
    "anonymous": None,
    "attendee": ATTENDEE,
    "exhibitor": "aussteller.krz@example.org",
    "speaker": "henning.wiebusch@example.org",
    "organiser": "orga@example.org",
}


async def add_attendee(db: AsyncSession) -> None:
    """The attendee account ``ATTENDEE`` (the demo password; the demo fair has exhibitors,
    speakers and organisers but no plain visitor), flushed, not committed."""
    await create_user(
        db, email=ATTENDEE, name="Besucherin", role=Role.attendee, password=DEMO_PASSWORD
    )


async def demo_server_with_attendee(templates: TemplateDatabases, tmp_path: Path) -> AppServer:
    """A real uvicorn serving its own copy of the demo fair, plus an attendee account
    (the demo fair has exhibitors, speakers and organisers but no plain visitor) and its
    first talk held in English (the demo's talks are all German)."""
    return start_app_server(tmp_path, await demo_with_attendee(templates))


async def demo_with_attendee(templates: TemplateDatabases) -> str:
    """The database URL of :func:`demo_server_with_attendee`'s fair, before it is served."""
    url = await templates.sqlite(seeded=True)
    database = Database(url)
    try:
        async with database.session() as db:
            await add_attendee(db)
            first = await db.scalar(select(ProgrammeSession.id).order_by(ProgrammeSession.id))
            await db.execute(
                update(ProgrammeSession).where(ProgrammeSession.id == first).values(language="en")
            )
            await db.commit()
    finally:
        await database.dispose()
    return url


@asynccontextmanager
async def served_demo_with_attendee(
    templates: TemplateDatabases, tmp_path: Path
) -> AsyncIterator[AppServer]:
    """``demo_server_with_attendee`` for the length of a ``with`` block (a module's
    fixture), stopped afterwards."""
    server = await demo_server_with_attendee(templates, tmp_path)
    try:
        yield server
    finally:
        server.stop()


async def log_in(context: Any, base_url: str, email: str | None, language: str) -> None:
    """Log the browser context in (cookies shared with its pages) and pick the language."""
    request = context.request
    if email is not None:
        login_page = await (await request.get(f"{base_url}/login")).text()
        token = re.search(r'name="csrf-token" content="([^"]+)"', login_page)
        assert token is not None
        answer = await request.post(
            f"{base_url}/login",
            form={"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
            max_redirects=0,
        )
        assert answer.status == 303, await answer.text()
    await request.get(f"{base_url}/lang/{language}?next=/")


async def page_as(context: Any, base_url: str, email: str | None, language: str, path: str) -> Any:
    """A new page of ``context``, logged in as ``email`` (None: a visitor) in ``language``,
    opened at ``path`` (relative to ``base_url``)."""
    await log_in(context, base_url, email, language)
    page = await context.new_page()
    await page.goto(f"{base_url}{path}")
    return page


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || el.value || el.name || '').slice(0, 40),
          id: el.id, outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth,
          outlineColor: style.outlineColor, boxShadow: style.boxShadow,
          focusVisible: el.matches(':focus-visible')};
}"""


async def focused(page: Any) -> dict[str, Any]:
    """The focused element and its focus indicator; fails when focus is on the body or
    the element has no visible ring."""
    info = await page.evaluate(FOCUS_STYLE)
    assert info is not None, "focus fell to the page body"
    width = float(info["outlineWidth"].removesuffix("px") or 0)
    ring = (info["outlineStyle"] not in ("none", "") and width >= 2) or info["boxShadow"] not in (
        "none",
        "",
    )
    assert ring, f"no visible focus indicator on {info}"
    return dict(info)


async def wait_until(page: Any, expression: str, timeout: float = 20.0) -> None:
    """Poll ``expression`` (a JS function source) until it is truthy. ``page.evaluate``
    runs under the page's strict CSP, where ``wait_for_function`` needs ``eval``."""
    deadline = time.monotonic() + timeout
    while not await page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        await asyncio.sleep(0.1)
