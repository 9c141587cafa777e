"""The page behind the withdrawal link a visitor gets with each contact request.

GET only shows what would be withdrawn (mail scanners open links); the button posts,
and the request is deleted, so the exhibitor's copy is gone as well.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from booths import services
from booths.models import Booth
from fair.app_services import app_services
from fair.web import read_form, render


async def withdraw_page(request: Request) -> Response:
    token = request.path_params["token"]
    async with app_services(request).db.session() as db:
        if request.method == "GET":
            lead = await services.find_withdrawable_request(db, token)
            booth = await db.get(Booth, lead.booth_id)
            response = render(
                request, "booths/withdraw.html", {"lead": lead, "booth": booth, "done": False}
            )
        else:
            await read_form(request)
            lead = await services.withdraw_contact_request(db, token)
            booth = await db.get(Booth, lead.booth_id)
            await db.commit()
            response = render(
                request, "booths/withdraw.html", {"lead": lead, "booth": booth, "done": True}
            )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
