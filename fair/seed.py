"""Load the demo fair (:func:`fair.demo_data.load_demo_fair`) into a database.

One seeding routine serves ``fair demo``, the test fixtures and the benchmarks, so all
three see the same fair. It is deterministic and needs no network; material files are
generated as small, real PDF documents when a storage backend is given.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from booths.models import Booth, ContactPerson, Material, MaterialKind, MaterialVersion
from fair.auth import hash_password
from fair.db import Database
from fair.demo_data import load_demo_fair
from fair.formatting import local_to_utc
from fair.models import (
    EventDay,
    EventSeries,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Topic,
    User,
)
from sessions.models import (
    FaqEntry,
    ProgrammeSession,
    SessionKind,
    SessionSpeaker,
    Speaker,
    Stage,
)

if TYPE_CHECKING:
    from fair.storage import Storage

GUID_NAMESPACE = uuid.UUID("6f1c2f8e-0d0c-4a59-9a4f-2b8f3e7f2026")


def session_guid(slug: str) -> str:
    """Stable GUIDs, so a re-import of the same schedule updates instead of duplicating."""
    return str(uuid.uuid5(GUID_NAMESPACE, slug))


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF showing ``title``; enough to make demo downloads real."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 60 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def _one_chunk(payload: bytes) -> AsyncIterator[bytes]:
    yield payload


def organisations_by_id(organisations: dict[str, Organisation]) -> dict[int, str]:
    return {o.id: o.name for o in organisations.values()}


async def _demo_pictures(
    storage: Storage, booths: dict[str, Booth], org_names: dict[int, str]
) -> None:
    """Generated logo and cover per booth (deterministic, no network)."""
    from booths.pictures import set_picture, store_picture_data
    from fair.demo_pictures import demo_cover, demo_logo
    from fair.images import COVER, LOGO

    for booth in booths.values():
        logo = demo_logo(booth.slug, org_names[booth.organisation_id])
        set_picture(booth, "logo", await store_picture_data(storage, booth.id, LOGO, logo))
        cover = demo_cover(booth.slug)
        set_picture(booth, "cover", await store_picture_data(storage, booth.id, COVER, cover))


async def _demo_branding(
    storage: Storage, series: EventSeries, days: list[EventDay], org_names: dict[int, str]
) -> None:
    """Generated event logo, favicon and the host regions' marks (deterministic, no
    network); the header then shows the series' acronym as the logo's text and alt text."""
    from fair.branding_pictures import EVENT_LOGO, FAVICON, PREFIX
    from fair.demo_pictures import demo_event_logo, demo_favicon, demo_host_mark
    from fair.image_sets import store_image_set
    from sessions.host_marks import HOST_MARK, mark_prefix

    name = series.acronym or "fair"
    series.brand_name = name
    logo = await store_image_set(storage, PREFIX, EVENT_LOGO, demo_event_logo(name))
    favicon = await store_image_set(storage, PREFIX, FAVICON, demo_favicon(name))
    series.brand_logo = json.dumps(logo, sort_keys=True)
    series.brand_favicon = json.dumps(favicon, sort_keys=True)
    for day in days:
        host = org_names[day.host_id]
        mark = demo_host_mark(host, host)
        picture = await store_image_set(storage, mark_prefix(day.id), HOST_MARK, mark)
        day.host_mark = json.dumps(picture, sort_keys=True)


async def seed_demo_fair(
    database: Database,
    *,
    password: str,
    storage: Storage | None = None,
    progress: Callable[[str], Any] | None = None,
) -> bool:
    """Create the demo fair unless the database already holds an event series.

    Returns True when it created the fair.
    """
    say = progress or (lambda _message: None)
    data = load_demo_fair()
    tz = data.series.time_zone
    async with database.session() as db:
        if await db.scalar(select(EventSeries.id).limit(1)) is not None:
            return False
        series = EventSeries(
            slug=data.series.slug,
            title=data.series.title,
            acronym=data.series.acronym,
            description=data.series.description,
            time_zone=tz,
        )
        db.add(series)
        organisations = {
            o.slug: Organisation(
                slug=o.slug,
                name=o.name,
                kind=OrganisationKind(o.kind),
                city=o.city,
                website=o.website,
                description=o.description,
            )
            for o in data.organisations
        }
        db.add_all(organisations.values())
        topics = {
            t.slug: Topic(slug=t.slug, name_de=t.name_de, name_en=t.name_en) for t in data.topics
        }
        db.add_all(topics.values())
        await db.flush()
        days = [
            EventDay(
                series_id=series.id,
                date=d.date,
                title=d.title,
                description=d.description,
                host_id=organisations[d.host].id,
                starts=d.start,
                ends=d.end,
            )
            for d in data.days
        ]
        db.add_all(days)
        stages = {
            s.slug: Stage(slug=s.slug, name=s.name, position=i) for i, s in enumerate(data.stages)
        }
        db.add_all(stages.values())
        await db.flush()
        if storage is not None:
            await _demo_branding(storage, series, days, organisations_by_id(organisations))
        say(f"{len(days)} days, {len(organisations)} organisations")

        booths: dict[str, Booth] = {}
        for b in data.booths:
            booth = Booth(
                slug=b.slug,
                organisation_id=organisations[b.org].id,
                name=b.name,
                tagline=b.tagline,
                description=b.description,
                day_id=days[b.day].id,
                topics=[topics[t] for t in b.topics],
            )
            db.add(booth)
            booths[b.slug] = booth
        await db.flush()
        for b in data.booths:
            booth = booths[b.slug]
            for position, c in enumerate(b.contacts):
                db.add(
                    ContactPerson(
                        booth_id=booth.id,
                        name=c.name,
                        role=c.role,
                        organisation_name=organisations[b.org].name,
                        email=c.email,
                        phone=c.phone,
                        availability=c.availability,
                        position=position,
                    )
                )
            for position, m in enumerate(b.materials):
                material = Material(
                    booth_id=booth.id,
                    title=m.title,
                    kind=MaterialKind(m.kind),
                    url=m.url,
                    position=position,
                )
                db.add(material)
                if storage is not None and m.kind in ("pdf", "slides") and m.filename:
                    await db.flush()
                    payload = tiny_pdf(m.title)
                    key = f"materials/{booth.slug}/{material.id}/1-{m.filename}"
                    stored = await storage.save_stream(
                        key,
                        _one_chunk(payload),
                        content_type="application/pdf",
                        max_bytes=len(payload),
                        filename=m.filename,
                    )
                    version = MaterialVersion(
                        material_id=material.id,
                        storage_key=stored.key,
                        filename=m.filename,
                        content_type="application/pdf",
                        size_bytes=stored.size,
                    )
                    db.add(version)
                    await db.flush()
                    material.current_version_id = version.id
        await db.flush()
        if storage is not None:
            await _demo_pictures(storage, booths, organisations_by_id(organisations))
        say(f"{len(booths)} booths")

        speakers: dict[tuple[str, str], Speaker] = {}
        for s in data.sessions:
            session = ProgrammeSession(
                guid=session_guid(s.slug),
                slug=s.slug,
                title=s.title,
                kind=SessionKind(s.kind),
                abstract=s.abstract,
                day_id=days[s.day].id,
                stage_id=stages[s.stage].id,
                topic_id=topics[s.topic].id if s.topic in topics else None,
                starts_at=local_to_utc(s.start, tz),
                duration_minutes=s.duration_min,
                language=s.language,
                do_not_record=s.do_not_record,
                booths=[booths[slug] for slug in s.booths if slug in booths],
            )
            db.add(session)
            await db.flush()
            for position, person in enumerate(s.speakers):
                speaker_key = (person.name, person.org)
                speaker = speakers.get(speaker_key)
                if speaker is None:
                    speaker = Speaker(
                        name=person.name,
                        title=person.title,
                        bio=person.bio,
                        organisation_id=organisations[person.org].id
                        if person.org in organisations
                        else None,
                    )
                    db.add(speaker)
                    await db.flush()
                    speakers[speaker_key] = speaker
                db.add(
                    SessionSpeaker(
                        session_id=session.id,
                        speaker_id=speaker.id,
                        role="moderator" if person.moderator else "speaker",
                        position=position,
                    )
                )
        say(f"{len(data.sessions)} sessions, {len(speakers)} speakers")

        for position, entry in enumerate(data.faq):
            db.add(FaqEntry(question=entry.question, answer=entry.answer, position=position))

        password_hash = hash_password(password)  # one hash: every demo account shares it
        for demo_user in data.users:
            user = User(
                email=demo_user.email,
                name=demo_user.display_name,
                role=Role(demo_user.role),
                password_hash=password_hash,
            )
            db.add(user)
            await db.flush()
            for slug in demo_user.organisations:
                db.add(Membership(user_id=user.id, organisation_id=organisations[slug].id))
            if demo_user.speaker_name:
                for (name, _org), speaker in speakers.items():
                    if name == demo_user.speaker_name and speaker.user_id is None:
                        speaker.user_id = user.id
                        break
        await db.commit()
        say(f"{len(data.users)} demo accounts")
    return True
