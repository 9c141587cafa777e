"""``assert_queries``: a page's SQL statements, counted around one request."""

from __future__ import annotations

import httpx

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
