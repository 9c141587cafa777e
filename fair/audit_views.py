"""The organisers' audit trail page (``/organiser/audit``): who changed what, newest first.

Thin: authorize, read :mod:`fair.audit`, render ``audit.html``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fair import audit
from fair.app_services import app_services
from fair.auth import require_user
from fair.models import Role
from fair.web import current_user, render


async def audit_page(request: Request) -> Response:
    require_user(current_user(request), Role.organiser)
    async with app_services(request).db.session() as db:
        entries = await audit.recent_entries(db)
    return render(request, "audit.html", {"entries": entries})


routes = [Route("/organiser/audit", audit_page)]
