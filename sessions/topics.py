"""Organisers' topics (German and English name): told apart by the German name, deleted
only while no session and no booth has them. Nothing here commits (see
:mod:`sessions.setup_rows`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booths.models import booth_topics
from fair.auth import CurrentUser
from fair.models import Topic
from fair.slugs import slugify
from sessions import setup_rows as rows
from sessions.models import ProgrammeSession


async def save_topic(
    db: AsyncSession, actor: CurrentUser, name_de: str, name_en: str, topic_id: int | None = None
) -> Topic:
    await rows.refuse_taken_name(
        db, Topic.name_de, name_de, topic_id, "name_de", f"ein Themenfeld {name_de!r} gibt es schon"
    )
    if topic_id is None:
        slug = await rows.free_slug(db, Topic, slugify(name_de, 70))
        topic = Topic(slug=slug, name_de=name_de, name_en=name_en)
        db.add(topic)
    else:
        topic = await rows.get_row(db, Topic, topic_id, "Themenfeld")
        topic.name_de, topic.name_en = name_de, name_en
    await rows.record_saved(db, actor, "topic", topic, topic_id, name_de)
    return topic


async def delete_topic(db: AsyncSession, actor: CurrentUser, topic_id: int) -> None:
    topic = await rows.get_row(db, Topic, topic_id, "Themenfeld")
    sessions = await rows.count_uses(db, ProgrammeSession.topic_id, topic.id)
    booths = await rows.count_uses(db, booth_topics.c.topic_id, topic.id)
    if sessions or booths:
        raise rows.in_use(
            "topic",
            f"{topic.name_de} ist in Gebrauch ({sessions} Programmpunkte, {booths} Stände)",
        )
    await rows.delete_row(db, actor, topic, "topic", topic.name_de)
