"""The hall's part of the demo fair: booths with contacts, materials (small real PDFs
when there is storage) and generated logos and covers."""

from __future__ import annotations

from booths.demo import load_booths
from booths.models import Booth, ContactPerson, Material, MaterialKind, MaterialVersion
from fair.seed import DemoContext, one_chunk, tiny_pdf


async def seed_booths(ctx: DemoContext) -> None:
    db, organisations = ctx.db, ctx.organisations
    data = load_booths(ctx.day_dates)
    booths: dict[str, Booth] = {}
    for b in data:
        booth = Booth(
            slug=b.slug,
            organisation_id=organisations[b.org].id,
            name=b.name,
            tagline=b.tagline,
            description=b.description,
            day_id=ctx.days[b.day].id,
            topics=[ctx.topics[t] for t in b.topics],
        )
        db.add(booth)
        booths[b.slug] = booth
    await db.flush()
    for b in data:
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
            if ctx.storage is not None and m.kind in ("pdf", "slides") and m.filename:
                await db.flush()
                payload = tiny_pdf(m.title)
                key = f"materials/{booth.slug}/{material.id}/1-{m.filename}"
                stored = await ctx.storage.save_stream(
                    key,
                    one_chunk(payload),
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
    if ctx.storage is not None:
        await _demo_pictures(ctx, booths)
    ctx.say(f"{len(booths)} booths")


async def _demo_pictures(ctx: DemoContext, booths: dict[str, Booth]) -> None:
    """Generated logo and cover per booth (deterministic, no network)."""
    from booths.pictures import set_picture, store_picture_data
    from fair.demo_pictures import demo_cover, demo_logo
    from fair.images import COVER, LOGO

    assert ctx.storage is not None
    org_names = {o.id: o.name for o in ctx.organisations.values()}
    for booth in booths.values():
        logo = demo_logo(booth.slug, org_names[booth.organisation_id])
        set_picture(booth, "logo", await store_picture_data(ctx.storage, booth.id, LOGO, logo))
        cover = demo_cover(booth.slug)
        set_picture(booth, "cover", await store_picture_data(ctx.storage, booth.id, COVER, cover))
