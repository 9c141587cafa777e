"""Booth editing for its exhibitors (and organisers): text, topics, contact persons,
materials (upload, replace with history, soft delete, links), logo and cover.

Uploads are streamed: the multipart body is parsed while it arrives and the file part
goes straight to storage (:mod:`fair.upload_receiving`, :mod:`fair.storage`). Authorisation is
checked before a byte of the body is read, CSRF from the form fields that precede the
file, and no database connection is held while the file travels.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths import services
from booths.models import Booth
from booths.pictures import delete_keys, set_picture, store_variants, variant_keys
from booths.queries import get_booth_for_edit
from fair import audit
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import path_id
from fair.images import COVER, LOGO, ImageKind
from fair.models import Topic
from fair.upload_receiving import (
    LOGO_TYPES,
    STORAGE_STATUSES,
    file_error,
    forget_upload,
    receive_upload,
)
from fair.web import current_user, form_text, language, read_form, render


async def _editable_booth(request: Request) -> Booth:
    async with app_services(request).db.session() as db:
        booth = await get_booth_for_edit(db, request.path_params["slug"])
    services.require_booth_editor(current_user(request), booth)
    return booth


@contextlib.asynccontextmanager
async def _editing(request: Request, slug: str) -> AsyncIterator[tuple[AsyncSession, Booth]]:
    """One transaction on a freshly loaded booth, committed when the block succeeds.
    Check the editor (:func:`_editable_booth`) and read the form before entering."""
    async with app_services(request).db.session() as db:
        booth = await get_booth_for_edit(db, slug)
        yield db, booth
        await audit.record(db, current_user(request), "edit", "booth", booth.id, booth.name)
        await db.commit()


def _back(booth: Booth, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/booths/{booth.slug}/edit?saved=1{anchor}", status_code=303)


async def edit_page(request: Request) -> Response:
    booth = await _editable_booth(request)
    return await _render_edit(request, booth)


async def _render_edit(
    request: Request,
    booth: Booth,
    *,
    text_form: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    upload_target: int | str | None = None,
    upload_values: dict[str, str] | None = None,
    part: tuple[str, dict[str, str]] | None = None,
    status_code: int = 400,
) -> Response:
    """The edit page; after a refused save, with the submitted text and the errors
    next to their fields (status 400), so nothing typed is lost. ``part`` names the
    contact or link form that was refused (``"contact-new"``, ``"contact-<id>"``,
    ``"link"``) and what was typed into it."""
    async with app_services(request).db.session() as db:
        topics = list((await db.scalars(select(Topic).order_by(Topic.name_de))).all())
    settings = app_services(request).settings
    booth_topics = {t.id for t in booth.topics}
    if text_form is not None:
        chosen = set(text_form.get("topics") or ())  # type: ignore[call-overload]
        booth_topics = {t.id for t in topics if t.slug in chosen}
    return render(
        request,
        "booths/edit.html",
        {
            "booth": booth,
            "topics": topics,
            "booth_topics": booth_topics,
            "saved": request.query_params.get("saved") == "1",
            "max_upload_bytes": settings.max_upload_bytes,
            "text_form": text_form,
            "errors": errors if upload_target is None and part is None and errors else {},
            "upload_errors": errors if upload_target is not None and errors else {},
            "part_target": part[0] if part else None,
            "part_values": part[1] if part else {},
            "part_errors": errors if part is not None and errors else {},
            "upload_target": upload_target,
            "upload_values": upload_values or {},
        },
        status_code=status_code if errors else 200,
    )


async def edit_text(request: Request) -> Response:
    booth = await _editable_booth(request)
    form = await read_form(request)
    try:
        name = form_text(form, "name", max_length=200)
        tagline = form_text(form, "tagline", required=False, max_length=300)
        description = form_text(form, "description", required=False, max_length=20000)
        async with _editing(request, booth.slug) as (db, booth):
            await services.update_booth_text(
                db,
                booth,
                name=name,
                tagline=tagline,
                description=description,
                topic_slugs=[str(v) for v in form.getlist("topics")][:20],
            )
    except HTTPError as error:
        if error.status_code != 400:
            raise
        submitted: dict[str, object] = {
            key: str(form.get(key) or "") for key in ("name", "tagline", "description")
        }
        submitted["topics"] = [str(v) for v in form.getlist("topics")]
        errors = field_errors(error, gettext_for(language(request)).gettext)
        booth = await _editable_booth(request)  # fresh: the failed transaction is gone
        return await _render_edit(request, booth, text_form=submitted, errors=errors)
    return _back(booth)


async def _refused_part(
    request: Request, error: HTTPError, form: FormData, target: str
) -> Response:
    """A refused contact or link (400): the edit page again with what was typed into the
    ``target`` form and the reason next to its field; other errors are raised on."""
    if error.status_code != 400:
        raise error
    typed = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    errors = field_errors(error, gettext_for(language(request)).gettext)
    booth = await _editable_booth(request)  # fresh: a failed transaction is gone
    return await _render_edit(request, booth, errors=errors, part=(target, typed))


def _contact_input(form: FormData) -> services.ContactInput:
    return services.ContactInput(
        name=form_text(form, "name", max_length=200),
        role=form_text(form, "role", required=False, max_length=200),
        organisation_name=form_text(form, "organisation_name", required=False, max_length=200),
        email=form_text(form, "email", required=False, max_length=254),
        phone=form_text(form, "phone", required=False, max_length=50),
        availability=form_text(form, "availability", required=False, max_length=200),
    )


async def contact_add(request: Request) -> Response:
    booth = await _editable_booth(request)
    form = await read_form(request)
    try:
        data = _contact_input(form)
        async with _editing(request, booth.slug) as (db, booth):
            await services.add_contact(db, booth, data)
    except HTTPError as error:
        return await _refused_part(request, error, form, "contact-new")
    return _back(booth, "#contacts")


async def contact_update(request: Request) -> Response:
    booth = await _editable_booth(request)
    contact_id = path_id(request.path_params, "contact_id", "Ansprechperson")
    form = await read_form(request)
    try:
        data = _contact_input(form)
        async with _editing(request, booth.slug) as (db, booth):
            await services.update_contact(db, booth, contact_id, data)
    except HTTPError as error:
        return await _refused_part(request, error, form, f"contact-{contact_id}")
    return _back(booth, "#contacts")


async def _delete_part(
    request: Request,
    row: tuple[str, str],
    delete: Callable[[AsyncSession, Booth, int], Awaitable[None]],
    anchor: str,
) -> Response:
    """Delete one part of the booth (a contact, a material) that ``row`` (path parameter,
    label) names, and return to its section of the edit page."""
    booth = await _editable_booth(request)
    await read_form(request)
    async with _editing(request, booth.slug) as (db, booth):
        await delete(db, booth, path_id(request.path_params, *row))
    return _back(booth, anchor)


async def contact_delete(request: Request) -> Response:
    return await _delete_part(
        request, ("contact_id", "Ansprechperson"), services.delete_contact, "#contacts"
    )


async def link_add(request: Request) -> Response:
    booth = await _editable_booth(request)
    form = await read_form(request)
    try:
        title = form_text(form, "title", max_length=200)
        url = form_text(form, "url", max_length=500)
        async with _editing(request, booth.slug) as (db, booth):
            await services.add_link(db, booth, title=title, url=url)
    except HTTPError as error:
        return await _refused_part(request, error, form, "link")
    return _back(booth, "#materials")


async def material_delete(request: Request) -> Response:
    return await _delete_part(
        request, ("material_id", "Material"), services.delete_material, "#materials"
    )


# --------------------------------------------------------------------------- uploads


async def material_upload(request: Request) -> Response:
    """A new material, or (with ``material_id``) a new version of one."""
    booth = await _editable_booth(request)
    user = services.require_booth_editor(current_user(request), booth)
    material_id = (
        path_id(request.path_params, "material_id", "Material")
        if "material_id" in request.path_params
        else None
    )
    if material_id is not None:
        services.find_file_material(booth, material_id)  # 404/400 before reading the body
    typed: dict[str, str] = {}
    try:
        upload, fields = await receive_upload(request, prefix=f"materials/{booth.id}", typed=typed)
    except HTTPError as error:
        if error.field != "file" and error.status_code not in STORAGE_STATUSES:
            raise
        # refused file (type, size, none chosen) or storage down or full: the edit page
        # again with what was typed, the error at the file field of the form that sent it
        return await _render_edit(
            request, booth, errors=file_error(request, error), upload_values=typed,
            upload_target=material_id or "new", status_code=error.status_code,
        )  # fmt: skip
    try:
        title = fields.get("title", "").replace("\x00", "").strip()[:200] or None
        async with app_services(request).db.session() as db:
            booth = await get_booth_for_edit(db, booth.slug)
            material = (
                services.find_file_material(booth, material_id) if material_id is not None else None
            )
            await services.add_material_version(
                db, booth, upload, user=user, title=title, material=material
            )
            await db.commit()
    except BaseException:
        await forget_upload(request, upload)
        raise
    return _back(booth, "#materials")


async def picture_upload(request: Request, kind: ImageKind) -> Response:
    """A new logo or cover: stored, decoded and resized; the booth shows it only when
    every variant is stored, and the old files go only after the booth was saved."""
    booth = await _editable_booth(request)
    storage = app_services(request).storage
    try:
        upload, _fields = await receive_upload(
            request, prefix=f"logos/{booth.id}", allowed=LOGO_TYPES
        )
    except HTTPError as error:
        if error.field != "file" and error.status_code not in STORAGE_STATUSES:
            raise
        return await _render_edit(
            request, booth, errors=file_error(request, error), upload_target=kind.name,
            status_code=error.status_code,
        )  # fmt: skip
    new_keys: list[str] = []
    old_keys: list[str] = []
    try:
        picture = await store_variants(
            storage, booth.id, kind, upload.stored.key, upload.stored.size
        )
        new_keys = variant_keys(booth.id, kind.name, picture)
        async with app_services(request).db.session() as db:
            booth = await get_booth_for_edit(db, booth.slug)
            old = set_picture(booth, kind.name, picture)
            if old is not None:
                old_keys = variant_keys(booth.id, kind.name, old)
            if kind is LOGO:  # the original stays served at /booths/{slug}/logo
                if booth.logo_key:
                    old_keys.append(booth.logo_key)
                booth.logo_key = upload.stored.key
            else:
                old_keys.append(upload.stored.key)
            await db.commit()
    except BaseException:
        await forget_upload(request, upload)
        await delete_keys(storage, new_keys)
        raise
    await delete_keys(storage, old_keys)
    return _back(booth, f"#{kind.name}-title")


async def cover_upload(request: Request) -> Response:
    return await picture_upload(request, COVER)


async def logo_route(request: Request) -> Response:
    """GET shows the logo, POST replaces it (one path, so the upload limit applies)."""
    if request.method == "POST":
        return await picture_upload(request, LOGO)
    from booths.views import logo

    return await logo(request)
