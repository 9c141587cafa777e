"""Legal pages for everyone, and their editor for organisers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fair import sign_language
from fair.app_services import app_services
from fair.auth import require_user
from fair.changes import NO_ROWS
from fair.errors import HTTPError
from fair.i18n import LANGUAGES
from fair.legal import LEGAL_KINDS, legal_bodies, legal_kind, save_legal_page
from fair.models import Role
from fair.pagecache import cached_page, page_tags
from fair.web import current_user, form_text, language, read_form, render


@cached_page()
async def legal_page(request: Request) -> Response:
    page_tags(request, NO_ROWS)  # shows no booth, nor any other row-scoped table
    kind = legal_kind(request.url.path.strip("/"))  # one route per page: /impressum, …
    async with app_services(request).db.session() as db:
        bodies = await legal_bodies(db, kind.slug)
    context = {"kind": kind, "body": bodies[language(request)], "sign_video": None}
    if kind.slug == "gebaerdensprache":
        context["sign_video"] = await sign_language.video_type(app_services(request).storage)
        context["saved"] = request.query_params.get("saved") == "1"
    return render(request, "legal.html", context)


async def legal_edit(request: Request) -> Response:
    require_user(current_user(request), Role.organiser)
    kind = legal_kind(request.path_params["slug"])
    error: HTTPError | None = None
    status = 200
    async with app_services(request).db.session() as db:
        if request.method == "POST":
            form = await read_form(request)
            bodies = {
                lang: form_text(form, f"body_{lang}", max_length=60_000) for lang in LANGUAGES
            }
            try:
                await save_legal_page(db, kind.slug, bodies)
            except HTTPError as exc:
                error, status = exc, exc.status_code
            else:
                await db.commit()
                return RedirectResponse(f"/organiser/legal/{kind.slug}?saved=1", status_code=303)
        else:
            bodies = await legal_bodies(db, kind.slug)
    context = {
        "kind": kind,
        "kinds": LEGAL_KINDS,
        "bodies": bodies,
        "error": error,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "legal_edit.html", context, status_code=status)


routes = [
    *(Route(f"/{kind.slug}", legal_page) for kind in LEGAL_KINDS),
    Route("/organiser/legal/{slug}", legal_edit, methods=["GET", "POST"]),
    Route("/gebaerdensprache/video", sign_language.video, methods=["GET", "HEAD"]),
    Route("/organiser/legal/gebaerdensprache/video", sign_language.upload_video, methods=["POST"]),
]
