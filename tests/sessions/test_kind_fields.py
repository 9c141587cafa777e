"""A kind the form does not offer (an organisation's, a session's) is refused with a 400
naming the ``kind`` field on the form's page, and nothing is written. Over real HTTP, on
SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.models import AuditEntry
from tests.support.app import login, post_form
from tests.support.form_errors import error_at


async def _audit_entries(app: Starlette) -> int:
    async with app_services(app).db.session() as db:
        return int(await db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_an_unknown_kind_is_refused_naming_the_field(
    demo_app: Starlette, client: httpx.AsyncClient
) -> None:
    await login(client, "orga@example.org")
    before = await _audit_entries(demo_app)
    organisation = await post_form(
        client, "/organiser/organisations", name="Landkreis Neu", kind="kingdom"
    )
    assert organisation.status_code == 400
    assert error_at(organisation, "new-org-kind") == "unbekannte Art"
    assert 'value="Landkreis Neu"' in organisation.text  # what was typed stays
    session = await post_form(client, "/organiser/programme/new", title="Neu", kind="keynote")
    assert session.status_code == 400
    assert "unbekannte Art" in session.text  # next to the form's "Art" field
    assert 'href="#kind"' in session.text
    assert await _audit_entries(demo_app) == before
    assert "Landkreis Neu" not in (await client.get("/organiser/organisations")).text
