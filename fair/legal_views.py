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
from fair.form_errors import field_errors
from fair.i18n import LANGUAGES, gettext_for
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
    """GET shows the page's text in both languages to edit; POST saves both. A refused
    save shows the form again with both texts as typed, the reason at its field."""
    require_user(current_user(request), Role.organiser)
    kind = legal_kind(request.path_params["slug"])
    errors: dict[str, str] = {}
    async with app_services(request).db.session() as db:
        if request.method == "POST":
            form = await read_form(request)
            bodies = {lang: str(form.get(f"body_{lang}") or "") for lang in LANGUAGES}
            try:
                checked = {
                    lang: form_text(form, f"body_{lang}", max_length=60_000) for lang in LANGUAGES
                }
                await save_legal_page(db, kind.slug, checked)
            except HTTPError as exc:
                if exc.status_code != 400:
                    raise
                errors = field_errors(exc, gettext_for(language(request)).gettext)
            else:
                await db.commit()
                return RedirectResponse(f"/organiser/legal/{kind.slug}?saved=1", status_code=303)
        else:
            bodies = await legal_bodies(db, kind.slug)
    context = {
        "kind": kind,
        "kinds": LEGAL_KINDS,
        "bodies": bodies,
        "errors": errors,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "legal_edit.html", context, status_code=400 if errors else 200)


routes = [
    *(Route(f"/{kind.slug}", legal_page) for kind in LEGAL_KINDS),
    Route("/organiser/legal/{slug}", legal_edit, methods=["GET", "POST"]),
    Route("/gebaerdensprache/video", sign_language.video, methods=["GET", "HEAD"]),
    Route("/organiser/legal/gebaerdensprache/video", sign_language.upload_video, methods=["POST"]),
]
