"""Material and logo uploads through the app's real routes, to local storage and to a
nanio S3 server, on SQLite and PostgreSQL: history, downloads with ranges, bad input,
dropped connections, unavailable storage and the authorisation matrix."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest_asyncio
import uvicorn
from PIL import Image
from sqlalchemy import func, select
from starlette.applications import Starlette

from booths.models import BoothDailyStats, Material, MaterialVersion
from fair.app_services import app_services
from fair.seed import tiny_pdf
from tests.support.app import csrf_of, login
from tests.support.booth_helpers import (
    KRZ,
    LIMIT,
    ORGANISER,
    OTHER,
    OWN,
    PDF,
    app_with,
    booth_ids,
    booth_state,
    client_of,
    error_text,
    fetch_download,
    open_uploads,
    stored_files,
    upload,
)
from tests.support.ports import free_port


def _png() -> bytes:
    """A valid 1×1 PNG (logos are decoded and resized now, so it must really be one)."""
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), (11, 92, 173, 255)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


@pytest_asyncio.fixture
async def hall(hall_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(hall_app) as client:
        await login(client, KRZ)
        yield client


# --------------------------------------------------------------------------- happy path


async def test_upload_replace_download_and_history(
    hall: httpx.AsyncClient, hall_app: Starlette, storage_kind: str
) -> None:
    first = tiny_pdf("Version eins")
    response = await upload(hall, f"/booths/{OWN}/materials", first, title="Preisliste 2027")
    assert response.status_code == 303, error_text(response)
    async with app_services(hall_app).db.session() as db:
        material = await db.scalar(select(Material).where(Material.title == "Preisliste 2027"))
        assert material is not None and material.kind == "pdf"
        material_id = material.id
        first_version = material.current_version_id
    page = (await hall.get(f"/booths/{OWN}")).text
    assert f"/booths/{OWN}/materials/{material_id}/download" in page
    assert re.search(r"Preisliste 2027</a>\s*<span class=\"badge\">PDF</span>", page)

    path = f"/booths/{OWN}/materials/{material_id}/download"
    whole = await fetch_download(hall, path)
    assert whole.status_code == 200 and whole.content == first
    assert whole.headers["content-disposition"].startswith('attachment; filename="flyer.pdf"')
    if storage_kind == "local":
        assert whole.headers["x-content-type-options"] == "nosniff"
    part = await fetch_download(hall, path, Range="bytes=5-14")
    assert part.status_code == 206 and part.content == first[5:15]
    assert part.headers["content-range"] == f"bytes 5-14/{len(first)}"

    # Replace: a new version becomes current, the old one stays listed and downloadable.
    second = tiny_pdf("Version zwei, länger")
    response = await upload(
        hall, f"/booths/{OWN}/materials/{material_id}", second, filename="preise.PDF", title=""
    )
    assert response.status_code == 303, error_text(response)
    assert (await fetch_download(hall, path)).content == second
    edit = (await hall.get(f"/booths/{OWN}/edit")).text
    assert f"download?version={first_version}" in edit and "preise.PDF" in edit
    old = await fetch_download(hall, f"{path}?version={first_version}")
    assert old.status_code == 200 and old.content == first
    async with client_of(hall_app) as anonymous:
        assert (await anonymous.get(f"{path}?version={first_version}")).status_code == 401
        assert (await fetch_download(anonymous, path)).content == second
    async with app_services(hall_app).db.session() as db:
        versions = (
            await db.scalars(
                select(MaterialVersion).where(MaterialVersion.material_id == material_id)
            )
        ).all()
        assert [v.size_bytes for v in versions] == [len(first), len(second)]
        assert all(".." not in v.storage_key for v in versions)
    assert len(stored_files(hall_app)) == 2 and open_uploads(hall_app) == []
    # Downloads counted: whole files, not the ranged continuation, not the refused one.
    async with app_services(hall_app).db.session() as db:
        downloads = await db.scalar(select(func.sum(BoothDailyStats.downloads)))
        assert downloads == 4

    # Logo: only images, served through the app (or S3) as an attachment <img> can show.
    response = await upload(hall, f"/booths/{OWN}/logo", PNG, filename="logo.png")
    assert response.status_code == 303, error_text(response)
    logo = await fetch_download(hall, f"/booths/{OWN}/logo")
    assert logo.status_code == 200 and logo.content == PNG
    page = (await hall.get(f"/booths/{OWN}")).text  # the page shows resized variants
    assert f'src="/booths/{OWN}/images/logo/' in page


# --------------------------------------------------------------------------- bad input


async def test_bad_uploads_change_nothing(
    hall: httpx.AsyncClient, hall_app: Starlette, storage_kind: str
) -> None:
    _, materials, _ = await booth_ids(hall_app, OWN)
    async with app_services(hall_app).db.session() as db:
        link_id = await db.scalar(
            select(Material.id).where(Material.id.in_(materials), Material.kind == "link")
        )
    before = await booth_state(hall_app, OWN)
    token = await csrf_of(hall, "/booths")
    new = f"/booths/{OWN}/materials"
    html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    cases: list[tuple[str, Callable[[], object], int, str]] = [
        ("html as pdf", lambda: upload(hall, new, html, filename="a.pdf"), 415, "HTML"),
        ("svg as pdf", lambda: upload(hall, new, svg, filename="a.pdf"), 415, "SVG"),
        ("too large", lambda: upload(hall, new, PDF + b"0" * LIMIT), 413, "zu groß"),
        ("empty", lambda: upload(hall, new, b""), 400, "leer"),
        ("no csrf", lambda: upload(hall, new, PDF, token="forged"), 403, "csrf_token"),
        ("pdf as logo", lambda: upload(hall, f"/booths/{OWN}/logo", PDF), 415, "PDF"),
        (
            "replace unknown",
            lambda: upload(hall, f"/booths/{OWN}/materials/999999", PDF),
            404,
            "nicht gefunden",
        ),
        (
            "replace deleted-or-foreign id",
            lambda: upload(hall, f"/booths/{OWN}/materials/{materials[0] + 10_000}", PDF),
            404,
            "nicht gefunden",
        ),
        (
            "replace a link",
            lambda: upload(hall, f"/booths/{OWN}/materials/{link_id}", PDF),
            400,
            "Link",
        ),
    ]
    for name, send, status, message in cases:
        response = await send()  # type: ignore[misc]
        assert response.status_code == status, (name, response.text[:300])
        assert message.lower() in error_text(response).lower(), (name, error_text(response))
    # A body that ends before the form does (no closing boundary).
    boundary = "trunc4711"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF[:200]
    response = await hall.post(
        new, content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert response.status_code == 400
    assert "unvollständig" in error_text(response)
    assert await booth_state(hall_app, OWN) == before
    assert stored_files(hall_app) == [] and open_uploads(hall_app) == []

    # Path traversal in the file name: stored under a generated key, offered under a
    # harmless name with the extension of the real type.
    response = await upload(hall, new, PDF, filename="../../../etc/passwd", title="T")
    assert response.status_code == 303, error_text(response)
    async with app_services(hall_app).db.session() as db:
        version = await db.scalar(select(MaterialVersion).order_by(MaterialVersion.id.desc()))
        assert version is not None
        assert version.filename == "passwd.pdf"
        assert version.storage_key.startswith("materials/") and ".." not in version.storage_key
    if storage_kind == "local":
        root = Path(app_services(hall_app).storage.root)
        assert [p for p in root.parent.rglob("passwd*")] == []


async def test_form_routes_keep_the_small_body_limit(client: httpx.AsyncClient) -> None:
    """Only the upload paths get the upload limit; a 2 MB text form is refused."""
    await login(client, KRZ)
    token = await csrf_of(client, "/booths")
    big = "x" * (2 * 1024 * 1024)
    for path in (f"/booths/{OWN}/edit", f"/booths/{OWN}/contact", f"/booths/{OWN}/links"):
        response = await client.post(path, data={"csrf_token": token, "description": big})
        assert response.status_code == 413, path


async def _wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_dropped_connection_mid_upload_leaves_nothing(
    storage_overrides: dict[str, object], demo_database_url: str, tmp_path: Path
) -> None:
    """A real uvicorn server; the client sends half of a 20 MB upload and disconnects.
    Big enough that S3 has started a multipart upload, which must be aborted."""
    async with app_with(demo_database_url, tmp_path, **storage_overrides) as app:
        before = await booth_state(app, OWN)
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"
        )
        server_ = uvicorn.Server(config)
        serving = asyncio.create_task(server_.serve())
        try:
            await _wait_for(lambda: server_.started)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as real:
                await login(real, KRZ)
                token = await csrf_of(real, "/booths")
                cookie = "; ".join(f"{k}={v}" for k, v in real.cookies.items())
            boundary = "drop0815"
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="video.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                (
                    f"POST /booths/{OWN}/materials HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Cookie: {cookie}\r\nContent-Length: {len(head) + 20 * 2**20}\r\n"
                    f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
                ).encode()
                + head
                + PDF
            )
            chunk = b"%" * (256 * 1024)
            for _ in range(40):  # 10 MB of the promised 20
                writer.write(chunk)
                await writer.drain()

            def in_flight() -> bool:
                files = stored_files(app)
                return any(".part" in f for f in files) or bool(open_uploads(app))

            await _wait_for(in_flight)
            writer.close()
            await _wait_for(
                lambda: (
                    not server_.server_state.tasks
                    and stored_files(app) == []
                    and open_uploads(app) == []
                )
            )
        finally:
            server_.should_exit = True
            await asyncio.wait_for(serving, 10)
        assert await booth_state(app, OWN) == before


async def test_storage_unavailable_gives_503_and_changes_nothing(
    demo_database_url: str, tmp_path: Path
) -> None:
    dead = {
        "storage_url": "s3://nowhere",
        "s3_endpoint_url": f"http://127.0.0.1:{free_port()}",
        "s3_access_key": "k",
        "s3_secret_key": "s",
    }
    async with app_with(demo_database_url, tmp_path, **dead) as app, client_of(app) as client:
        await login(client, KRZ)
        before = await booth_state(app, OWN)
        started = time.monotonic()
        response = await upload(client, f"/booths/{OWN}/materials", PDF)
        assert response.status_code == 503
        assert "nicht erreichbar" in error_text(response)
        assert time.monotonic() - started < 15
        assert await booth_state(app, OWN) == before


# --------------------------------------------------------------------------- authorisation


def _state_changing_routes(
    slug: str, material_id: int, contact_id: int, token: str
) -> list[tuple[str, dict[str, object]]]:
    form = {"csrf_token": token, "name": "Übernommen", "title": "x", "url": "https://e.org"}
    files = {"file": ("x.pdf", PDF, "application/pdf")}
    return [
        (f"/booths/{slug}/edit", {"data": form}),
        (f"/booths/{slug}/contacts", {"data": form}),
        (f"/booths/{slug}/contacts/{contact_id}", {"data": form}),
        (f"/booths/{slug}/contacts/{contact_id}/delete", {"data": form}),
        (f"/booths/{slug}/links", {"data": form}),
        (f"/booths/{slug}/materials", {"data": form, "files": files}),
        (f"/booths/{slug}/materials/{material_id}", {"data": form, "files": files}),
        (f"/booths/{slug}/materials/{material_id}/delete", {"data": form}),
        (f"/booths/{slug}/logo", {"data": form, "files": {"file": ("l.png", PNG, "image/png")}}),
        (f"/organiser/booths/{slug}/exhibitors", {"data": {**form, "email": KRZ}}),
        (f"/organiser/booths/{slug}/exhibitors/remove", {"data": {**form, "user": "1"}}),
        ("/organiser/booths", {"data": {**form, "slug": "neu-x", "organisation": "1"}}),
    ]


async def test_exhibitor_of_booth_a_can_change_nothing_of_booth_b(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    _, materials, contacts = await booth_ids(demo_app, OTHER)
    before = await booth_state(demo_app, OTHER)
    await login(client, KRZ)
    token = await csrf_of(client, f"/booths/{OWN}/edit")
    routes = _state_changing_routes(OTHER, materials[0], contacts[0], token)
    for path, kwargs in routes:
        response = await client.post(path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 403, (path, response.status_code, response.text[:200])
    # Booth B's material and contact ids through booth A's URLs: 404, never a change.
    for path, kwargs in _state_changing_routes(OWN, materials[0], contacts[0], token):
        if re.search(r"/(contacts|materials)/\d+", path):
            response = await client.post(path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 404, (path, response.status_code)
    # Nobody logged in: 401 everywhere.
    async with client_of(demo_app) as anonymous:
        anon_token = await csrf_of(anonymous, "/booths")
        for path, kwargs in _state_changing_routes(OTHER, materials[0], contacts[0], anon_token):
            response = await anonymous.post(path, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 401, (path, response.status_code)
    assert await booth_state(demo_app, OTHER) == before
    assert stored_files(demo_app) == []
    # The organiser may edit booth B (and the same request then works).
    await login(client, ORGANISER)
    token = await csrf_of(client, "/organiser/booths")
    response = await client.post(
        f"/booths/{OTHER}/edit", data={"csrf_token": token, "name": "Geändert"}
    )
    assert response.status_code == 303
