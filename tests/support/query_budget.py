"""``assert_queries``: a page's SQL statements, counted around one request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event
from starlette.applications import Starlette

from fair.app_services import app_services
from fair.querycount import PAGE_QUERY_BUDGET, counting_queries


async def assert_queries(
    client: httpx.AsyncClient, url: str, max: int = PAGE_QUERY_BUDGET, **kwargs: object
) -> httpx.Response:
    """GET ``url`` (through an ASGI client, so the app runs in this task) and fail when
    it ran more than ``max`` SQL statements; the message lists them."""
    with counting_queries() as counted:
        response = await client.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    assert counted.count <= max, (
        f"{url}: {counted.count} SQL statements, budget {max}:\n"
        + "\n".join(s.split("\n")[0][:160] for s in counted.statements)
    )
    return response


@contextmanager
def counted_queries(app: Starlette) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = app_services(app).db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
