"""The programme's part of the demo fair: stages, talks with their booths and speakers,
the event FAQ; demo accounts that speak are linked to their speaker. The whole demo fair
is checked first (:func:`sessions.demo.whole_fair.load_demo_fair`), since the programme
is where the domains' data meet."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from booths.models import Booth
from fair.formatting import local_to_utc
from fair.seed import DemoContext
from sessions.demo.whole_fair import load_demo_fair
from sessions.models import (
    FaqEntry,
    ProgrammeSession,
    SessionKind,
    SessionSpeaker,
    Speaker,
    Stage,
)

GUID_NAMESPACE = uuid.UUID("6f1c2f8e-0d0c-4a59-9a4f-2b8f3e7f2026")


def session_guid(slug: str) -> str:
    """Stable GUIDs, so a re-import of the same schedule updates instead of duplicating."""
    return str(uuid.uuid5(GUID_NAMESPACE, slug))


async def seed_programme(ctx: DemoContext) -> None:
    db, organisations, tz = ctx.db, ctx.organisations, ctx.time_zone
    data = load_demo_fair()
    stages = {
        s.slug: Stage(slug=s.slug, name=s.name, position=i) for i, s in enumerate(data.stages)
    }
    db.add_all(stages.values())
    await db.flush()
    booths = {b.slug: b for b in (await db.scalars(select(Booth))).all()}

    speakers: dict[tuple[str, str], Speaker] = {}
    for s in data.sessions:
        session = ProgrammeSession(
            guid=session_guid(s.slug),
            slug=s.slug,
            title=s.title,
            kind=SessionKind(s.kind),
            abstract=s.abstract,
            day_id=ctx.days[s.day].id,
            stage_id=stages[s.stage].id,
            topic_id=ctx.topics[s.topic].id if s.topic in ctx.topics else None,
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
    ctx.say(f"{len(data.sessions)} sessions, {len(speakers)} speakers")

    for position, entry in enumerate(data.faq):
        db.add(FaqEntry(question=entry.question, answer=entry.answer, position=position))

    for demo_user, user in ctx.users:
        if demo_user.speaker_name:
            for (name, _org), speaker in speakers.items():
                if name == demo_user.speaker_name and speaker.user_id is None:
                    speaker.user_id = user.id
                    break
    await db.flush()
