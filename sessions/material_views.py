"""Routes of a talk's own slides and files: the speakers' page to manage them, the
streamed upload, rename, reorder, delete and the download everyone gets.

Authorisation is checked before a byte of an upload is read; the file goes to storage
with no database connection held, and is deleted again if its record cannot be written.
"""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths.analytics import fair_today
from fair.app_services import app_services
from fair.downloads import counts_as_download, send_stored_file
from fair.errors import HTTPError, not_found
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import path_id
from fair.ordering import parse_direction
from fair.upload_receiving import forget_upload, receive_upload, refused_file
from fair.web import current_user, form_text, language, read_form, render
from sessions import materials as rules


def _back(session_id: int, anchor: str = "#materials") -> RedirectResponse:
    return RedirectResponse(f"/sessions/{session_id}/materials?saved=1{anchor}", status_code=303)


def _material_path(request: Request) -> tuple[int, int]:
    """The session and material ids of ``/sessions/{session_id}/materials/{material_id}``."""
    return (
        path_id(request.path_params, "session_id", "Programmpunkt"),
        path_id(request.path_params, "material_id", "Material"),
    )


async def manage_page(request: Request) -> Response:
    """``/sessions/{id}/materials``: the talk's files with upload, rename, order, delete."""
    return await _page(request, path_id(request.path_params, "session_id", "Programmpunkt"))


async def _page(
    request: Request,
    session_id: int,
    refused: tuple[str, dict[str, str], dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; after a refused upload or title, ``refused`` names the form
    (``"new"``, ``"title-<id>"``), what was typed and the reason at its field."""
    async with app_services(request).db.session() as db:
        await rules.require_material_editor(db, current_user(request), session_id)
        session = await rules.visible_session(db, session_id)
        materials = await rules.materials_of(db, session_id)
        downloads = await rules.download_counts(db, [m.id for m in materials])
    context = {
        "session": session,
        "materials": materials,
        "downloads": downloads,
        "saved": request.query_params.get("saved") == "1",
        "max_upload_bytes": app_services(request).settings.max_upload_bytes,
        "upload_target": refused[0] if refused else None,
        "upload_values": refused[1] if refused else {},
        "upload_errors": refused[2] if refused else {},
    }
    return render(request, "sessions/materials.html", context, status_code=status_code)


async def upload(request: Request) -> Response:
    """POST ``/sessions/{id}/materials``: a new file (``title`` before ``file``)."""
    session_id = path_id(request.path_params, "session_id", "Programmpunkt")
    async with app_services(request).db.session() as db:
        user = await rules.require_material_editor(db, current_user(request), session_id)
    typed: dict[str, str] = {}
    try:
        stored, fields = await receive_upload(
            request, prefix=f"session-materials/{session_id}", typed=typed
        )
    except HTTPError as error:  # the page again, the reason at the file field
        refused = ("new", typed, refused_file(request, error))
        return await _page(request, session_id, refused, error.status_code)
    try:
        title = rules.clean_title(fields.get("title"))
        async with app_services(request).db.session() as db:
            await rules.require_material_editor(db, user, session_id)
            await rules.add_material(db, session_id, stored, user=user, title=title)
            await db.commit()
    except BaseException:
        await forget_upload(request, stored)
        raise
    return _back(session_id)


async def rename(request: Request) -> Response:
    session_id, material_id = _material_path(request)
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        await rules.require_material_editor(db, current_user(request), session_id)
        found = rules.find_material(await rules.materials_of(db, session_id), material_id)
        try:
            title = rules.clean_title(form_text(form, "title", max_length=rules.MAX_TITLE))
        except HTTPError as error:
            errors = field_errors(error, gettext_for(language(request)).gettext)
            refused = (f"title-{material_id}", {"title": str(form.get("title") or "")}, errors)
        else:
            await rules.rename_material(db, found, title)
            await db.commit()
            return _back(session_id, f"#material-{material_id}")
    return await _page(request, session_id, refused, 400)


async def move(request: Request) -> Response:
    session_id, material_id = _material_path(request)
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        await rules.require_material_editor(db, current_user(request), session_id)
        direction = parse_direction(form.get("direction"))
        materials = await rules.materials_of(db, session_id)
        await rules.move_material(db, materials, material_id, direction)
        await db.commit()
    return _back(session_id, f"#material-{material_id}")


async def delete(request: Request) -> Response:
    session_id, material_id = _material_path(request)
    await read_form(request)
    async with app_services(request).db.session() as db:
        await rules.require_material_editor(db, current_user(request), session_id)
        key = await rules.delete_material(db, await rules.materials_of(db, session_id), material_id)
        await db.commit()
    with contextlib.suppress(Exception):  # the record is gone; a stray object is harmless
        await app_services(request).storage.delete(key)
    return _back(session_id)


async def download(request: Request) -> Response:
    """GET ``/sessions/{id}/materials/{mid}/download.{ext}``: the file as an attachment,
    counted once per download like a booth's materials."""
    session_id, material_id = _material_path(request)
    async with app_services(request).db.session() as db:
        await rules.visible_session(db, session_id)
        material = rules.find_material(await rules.materials_of(db, session_id), material_id)
        if not material.download_url.endswith("." + request.path_params["ext"]):
            raise not_found("Material")
        if counts_as_download(request):
            today = fair_today(app_services(request).settings)
            await rules.count_download(db, material.id, today)
            await db.commit()
    return await send_stored_file(
        request,
        app_services(request).storage,
        material.storage_key,
        filename=material.filename,
        content_type=material.content_type,
    )
