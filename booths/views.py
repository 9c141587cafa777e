"""Pages of the exhibition hall for visitors: the hall with filters and search, a booth,
the contact request, material downloads and the logo."""

from __future__ import annotations

import dataclasses
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths import analytics, services
from booths.app_parts import booth_parts
from booths.channels import booth_channel
from booths.lead_mail import Postman, announce_contact_request, app_postman
from booths.models import ALL_BOOTHS, booth_tag
from booths.pictures import find_variant
from booths.queries import (
    HallFilter,
    get_booth,
    get_material_version,
    hall_filter_choices,
    list_booths,
)
from booths.search import SearchService
from booths.unread import mark_chat_seen
from fair.app_services import app_services
from fair.archive_mode import archive_active_cached
from fair.chat import recent_messages
from fair.downloads import PRESIGNED_SECONDS, counts_as_download, send_stored_file
from fair.errors import HTTPError, not_found
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import parse_id, query_id
from fair.image_sets import serve_image
from fair.models import OrganisationKind
from fair.pagecache import cached_page, page_meta, page_tags
from fair.storage import range_response
from fair.web import (
    base_url,
    client_key,
    current_user,
    form_text,
    language,
    read_form,
    render,
    render_async,
)


def parse_hall_filter(request: Request) -> HallFilter:
    params = request.query_params
    day_raw = params.get("day") or None
    kind_raw = params.get("kind") or None
    day = parse_id(day_raw) if day_raw else None
    if day_raw and day is None:
        raise HTTPError(400, "day: keine gültige Tages-ID", field="day")
    try:
        kind = OrganisationKind(kind_raw) if kind_raw else None
    except ValueError as exc:
        raise HTTPError(400, "kind: unbekannte Art von Organisation", field="kind") from exc
    return HallFilter(
        topic=params.get("topic") or None,
        day=day,
        kind=kind,
        organisation=params.get("organisation") or None,
    )


@cached_page(params=("topic", "day", "kind", "organisation", "q"))
async def hall(request: Request) -> Response:
    page_tags(request, ALL_BOOTHS)
    hall_filter = parse_hall_filter(request)
    q = request.query_params.get("q", "").strip()[:200]
    async with app_services(request).db.session() as db:
        if q:
            ids = await SearchService.for_db(db).search(db, q)
            hall_filter = dataclasses.replace(hall_filter, booth_ids=ids)
        booths = await list_booths(db, hall_filter)
        topics, days, organisations = await hall_filter_choices(db)
    return await render_async(
        request,
        "booths/hall.html",
        {
            "booths": booths,
            "topics": topics,
            "days": days,
            "organisations": organisations,
            "kinds": list(OrganisationKind),
            "filter": hall_filter,
            "q": q,
        },
    )


async def _record_visit(request: Request, booth_id: int, response: Response) -> None:
    """Count a page view of the booth (HEAD from link checkers is none) and remember in the
    visitor's cookie that today's unique visit was counted. Runs on cache hits too."""
    if request.method != "GET":
        return
    settings = app_services(request).settings
    today = analytics.fair_today(settings)
    seen = analytics.parse_seen(request.cookies.get(analytics.SEEN_COOKIE), today)
    first_visit_today = booth_id not in seen
    booth_parts(request).visit_counts.add_visit(booth_id, today, unique=first_visit_today)
    if first_visit_today:
        response.set_cookie(
            analytics.SEEN_COOKIE,
            analytics.format_seen(seen | {booth_id}, today),
            max_age=analytics.seconds_until_midnight(settings),
            path="/booths",
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )


async def _visit_on_hit(request: Request, meta: dict[str, object], response: Response) -> None:
    booth_id = meta.get("booth_id")
    if isinstance(booth_id, int):
        await _record_visit(request, booth_id, response)
        user = current_user(request)
        if user is not None and meta.get("organisation_id") in user.organisation_ids:
            # A team member's own booth page from memory still marks the chat read.
            async with app_services(request).db.session() as db:
                await mark_chat_seen(db, user, booth_id)
                await db.commit()


@cached_page(params=("sent",), on_hit=_visit_on_hit)
async def booth_detail(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        sections = await booth_parts(request).page_sections.load(db, booth)
        messages = await recent_messages(db, booth_channel(booth.slug))
        user = current_user(request)
        if user is not None and booth.organisation_id in user.organisation_ids:
            await mark_chat_seen(db, user, booth)  # the team read its booth's chat
            await db.commit()
    settings = app_services(request).settings
    chat_closed = archive_active_cached(
        await app_services(request).series_cache.rows(), settings.now(), settings.time_zone
    )
    page_meta(request, booth_id=booth.id, organisation_id=booth.organisation_id)
    page_tags(request, booth_tag(booth.id), f"chat_messages:{booth_channel(booth.slug)}")
    sent = request.query_params.get("sent") == "1"
    response = render(
        request,
        "booths/booth.html",
        {
            "booth": booth,
            "page_sections": sections,
            "booth_messages": messages,
            "chat_closed": chat_closed,
            "can_edit": services.can_edit_booth(user, booth),
            "consent_text": services.consent_text(booth, _gettext(request)),
            "retention_days": services.RETENTION_DAYS,
            "sent": sent,
            "form": {},
            "errors": {},
        },
    )
    await _record_visit(request, booth.id, response)
    return response


async def contact_request(request: Request) -> Response:
    """A visitor's message; stored and shown to the exhibitor only with consent."""
    form = await read_form(request)
    slug = request.path_params["slug"]
    settings = app_services(request).settings
    limiter = booth_parts(request).contact_limiter  # counts the requests it accepts
    limiter.refuse_when_full(client_key(request), time.monotonic())
    contact_raw = form_text(form, "contact_person", required=False, max_length=12)
    values = {
        "name": form.get("name") or "",
        "email": form.get("email") or "",
        "message": form.get("message") or "",
        "contact_person": contact_raw,
    }
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, slug)
        try:
            data = services.ContactRequestInput(
                name=form_text(form, "name", max_length=200),
                email=form_text(form, "email", max_length=254),
                message=form_text(form, "message", max_length=5000),
                consent=form.get("consent") == "yes",
                contact_person_id=parse_id(contact_raw),
            )
            new = await services.create_contact_request(
                db, booth, data, _gettext(request), language(request)
            )
        except HTTPError as exc:
            sections = await booth_parts(request).page_sections.load(db, booth)
            messages = await recent_messages(db, booth_channel(booth.slug))
            return render(
                request,
                "booths/booth.html",
                {
                    "booth": booth,
                    "page_sections": sections,
                    "booth_messages": messages,
                    "can_edit": services.can_edit_booth(current_user(request), booth),
                    "consent_text": services.consent_text(booth, _gettext(request)),
                    "retention_days": services.RETENTION_DAYS,
                    "sent": False,
                    "form": values,
                    "errors": field_errors(exc, _gettext(request)),
                },
                status_code=exc.status_code,
            )
        limiter.count(client_key(request), time.monotonic())
        today = analytics.fair_today(settings)
        await analytics.count(db, booth.id, today, contact_requests=1)
        await db.commit()
        await announce_contact_request(db, postman(request), booth, new)
    return RedirectResponse(f"/booths/{slug}?sent=1#contact-form", status_code=303)


def postman(request: Request) -> Postman:
    return app_postman(app_services(request), base_url(request))


def _gettext(request: Request) -> services.Translate:
    return gettext_for(language(request)).gettext


async def material_download(request: Request) -> Response:
    """The current version (or, for editors, an older one) as an attachment: streamed
    with Range support from local storage, or a short-lived presigned S3 URL."""
    settings = app_services(request).settings
    storage = app_services(request).storage
    material_id = query_id(request.path_params, "material_id")
    version_id = query_id(request.query_params, "version")
    assert material_id is not None
    async with app_services(request).db.session() as db:
        booth, material, version = await get_material_version(
            db, request.path_params["slug"], material_id, version_id
        )
        if version_id is not None and version_id != material.current_version_id:
            services.require_booth_editor(current_user(request), booth)
        if counts_as_download(request):
            await analytics.count(db, booth.id, analytics.fair_today(settings), downloads=1)
            await db.commit()
    return await send_stored_file(
        request,
        storage,
        version.storage_key,
        filename=version.filename,
        content_type=version.content_type,
    )


async def logo(request: Request) -> Response:
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
    return await serve_logo(request, booth.logo_key, booth.slug)


async def serve_logo(request: Request, key: str | None, name: str) -> Response:
    """A booth's or an organisation's logo: a presigned redirect (S3) or the file."""
    storage = app_services(request).storage
    if not key:
        raise not_found("Logo")
    content_type = key.rsplit(".", 1)[-1]
    mime = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}.get(
        content_type, "application/octet-stream"
    )
    filename = f"{name}-logo.{content_type}"
    url = await storage.presigned_url(
        key, expires=PRESIGNED_SECONDS, filename=filename, content_type=mime
    )
    if url is not None:
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    return await range_response(storage, key, request, filename=filename, content_type=mime)


async def picture_variant(request: Request) -> Response:
    """One resized logo or cover; its URL changes with every upload, so it is cached
    for good."""
    p = request.path_params
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, p["slug"])
    key, content_type = find_variant(booth, p["kind"], p["version"], p["name"])
    return await serve_image(request, key, content_type, p["name"])
