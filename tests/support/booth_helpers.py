"""Helpers shared by the exhibition hall tests: apps with other settings on the demo
fair, logins, booth snapshots and stored-object listings."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.applications import Starlette

from booths.models import (
    Booth,
    ContactPerson,
    ContactRequest,
    Material,
)
from fair.app import create_app
from fair.app_services import app_services
from fair.seed import tiny_pdf
from tests.support.app import csrf_of, make_client, make_settings, submit_form
from tests.support.s3_server import S3Server

KRZ = "aussteller.krz@example.org"  # exhibitor of krz: booths ac-digicheck, owl-schueler-online
OWN = "owl-schueler-online"
OTHER = "ge-buerger-app"  # stadt-gelsenkirchen, not krz
ORGANISER = "orga@example.org"
PDF = tiny_pdf("Flyer")


@asynccontextmanager
async def app_with(database_url: str, tmp_path: Path, **overrides: Any) -> AsyncIterator[Starlette]:
    app = create_app(make_settings(database_url, tmp_path, **overrides))
    async with app.router.lifespan_context(app):
        yield app


def s3_overrides(server: S3Server, bucket: str) -> dict[str, Any]:
    return {
        "storage_url": f"s3://{bucket}",
        "s3_endpoint_url": server.endpoint_url,
        "s3_access_key": server.access_key,
        "s3_secret_key": server.secret_key,
    }


@asynccontextmanager
async def client_of(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        yield client


async def edit_token(client: httpx.AsyncClient, slug: str = OWN) -> str:
    return await csrf_of(client, f"/booths/{slug}")


async def edit_booth(
    client: httpx.AsyncClient, slug: str = OWN, **fields: str | list[str]
) -> httpx.Response:
    """Save a booth's edit form, sent from its edit page."""
    return await submit_form(client, f"/booths/{slug}/edit", f"/booths/{slug}/edit", **fields)


async def contact_booth(client: httpx.AsyncClient, slug: str, **fields: str) -> httpx.Response:
    """A visitor's contact request, sent from the booth page."""
    return await submit_form(client, f"/booths/{slug}", f"/booths/{slug}/contact", **fields)


async def upload(
    client: httpx.AsyncClient,
    path: str,
    content: bytes,
    *,
    filename: str = "flyer.pdf",
    title: str = "Flyer",
    token: str | None = None,
    content_type: str = "application/pdf",
) -> httpx.Response:
    token = token if token is not None else await csrf_of(client, "/booths")
    return await client.post(
        path,
        data={"csrf_token": token, "title": title},
        files={"file": (filename, content, content_type)},
    )


async def booth_state(app: Starlette, slug: str) -> dict[str, Any]:
    """Everything an edit could change on a booth, for before/after comparisons."""
    async with app_services(app).db.session() as db:
        booth = await db.scalar(
            select(Booth)
            .where(Booth.slug == slug)
            .options(
                selectinload(Booth.topics),
                selectinload(Booth.materials).selectinload(Material.versions),
                selectinload(Booth.contacts),
            )
        )
        assert booth is not None
        requests = (
            await db.scalars(select(ContactRequest.id).where(ContactRequest.booth_id == booth.id))
        ).all()
        return {
            "text": (booth.name, booth.tagline, booth.description, booth.logo_key),
            "topics": sorted(t.slug for t in booth.topics),
            "materials": [
                (
                    m.id,
                    m.title,
                    m.kind,
                    m.url,
                    m.deleted_at,
                    m.current_version_id,
                    [v.id for v in m.versions],
                )
                for m in booth.materials
            ],
            "contacts": [
                (c.id, c.name, c.role, c.email, c.phone, c.availability) for c in booth.contacts
            ],
            "requests": list(requests),
        }


async def booth_ids(app: Starlette, slug: str) -> tuple[int, list[int], list[int]]:
    """(booth id, live material ids, contact ids)."""
    async with app_services(app).db.session() as db:
        booth = await db.scalar(select(Booth).where(Booth.slug == slug))
        assert booth is not None
        materials = (
            await db.scalars(
                select(Material.id).where(
                    Material.booth_id == booth.id, Material.deleted_at.is_(None)
                )
            )
        ).all()
        contacts = (
            await db.scalars(select(ContactPerson.id).where(ContactPerson.booth_id == booth.id))
        ).all()
        return booth.id, list(materials), list(contacts)


def stored_files(app: Starlette) -> list[str]:
    """Every object in the app's storage, partial temp files included."""
    storage = app_services(app).storage
    root = getattr(storage, "root", None)
    if root is not None:
        if not Path(root).exists():
            return []
        return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())
    response = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in response.get("Contents", []))


def open_uploads(app: Starlette) -> list[str]:
    storage = app_services(app).storage
    if getattr(storage, "root", None) is not None:
        return []
    response = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    return [item["Key"] for item in response.get("Uploads", [])]


def error_text(response: httpx.Response) -> str:
    """The error page's message, or a form's error summary (fair/templates/_form_errors.html)."""
    match = re.search(r'<p class="error-message" role="alert">(.*?)</p>', response.text, re.S)
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)
    if match:
        return match.group(1)
    return summary.group(0) if summary else response.text


LIMIT = 200_000


async def fetch_download(client: httpx.AsyncClient, path: str, **headers: str) -> httpx.Response:
    """Download through the app; a redirect to S3 is followed with a plain HTTP client,
    as a browser would (the presigned URL carries its own authorisation)."""
    response = await client.get(path, headers=headers)
    if response.status_code != 303:
        return response
    assert response.headers["cache-control"] == "no-store"
    async with httpx.AsyncClient() as plain:
        return await plain.get(response.headers["location"], headers=headers)
