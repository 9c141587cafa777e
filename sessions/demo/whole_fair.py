"""The demo fair as one value: each domain's demo files loaded, then checked together.

The data lives in TOML files next to the domain that owns it (``fair/demo``,
``booths/demo``, ``sessions/demo``); this module only wires the three loaders together
and checks what crosses their borders (a booth's organisation, a session's booths, a
speaker booked twice). :func:`load_demo_fair` is called by the seeder, never at import,
and returns the same value on every call.

The demo fair is modelled on the NRW municipal IT event series "Digitale Services – von
Kommunen für Kommunen" but set in the future: five weekdays from Monday 2026-11-30 to
Friday 2026-12-04, each hosted by one of the five Digitale Modellregionen. All people,
e-mail addresses and phone numbers are fictional. Every ``datetime`` / ``time`` is a naive
local time in the series' time zone (``Europe/Berlin``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from booths.demo import Booth, load_booths
from booths.models import MaterialKind
from fair.demo import DemoDataError
from fair.demo.core import Day, DemoUser, Organisation, Series, Topic, load_core
from fair.i18n import LANGUAGES
from fair.models import OrganisationKind, Role
from sessions.demo import FaqEntry, Session, Stage, load_programme
from sessions.models import SessionKind

ALLOWED_EMAIL_DOMAINS = ("example.org", "example.com")
_CLEAN_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class DemoFair:
    series: Series
    topics: tuple[Topic, ...]
    organisations: tuple[Organisation, ...]
    days: tuple[Day, ...]
    stages: tuple[Stage, ...]
    booths: tuple[Booth, ...]
    sessions: tuple[Session, ...]
    faq: tuple[FaqEntry, ...]
    users: tuple[DemoUser, ...]


def load_demo_fair() -> DemoFair:
    """Load every domain's demo files and check them together; raises on any problem."""
    core = load_core()
    day_dates = [day.date for day in core.days]
    programme = load_programme(day_dates)
    fair = DemoFair(
        series=core.series,
        topics=core.topics,
        organisations=core.organisations,
        days=core.days,
        stages=programme.stages,
        booths=load_booths(day_dates),
        sessions=programme.sessions,
        faq=programme.faq,
        users=core.users,
    )
    problems = validate(fair)
    if problems:
        raise DemoDataError("demo data is inconsistent:\n- " + "\n- ".join(problems))
    return fair


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def _email_ok(email: str) -> bool:
    local, _, domain = email.partition("@")
    return bool(local) and domain in ALLOWED_EMAIL_DOMAINS


def validate(fair: DemoFair) -> list[str]:
    """Check the invariants of the demo data; returns a list of problems (empty if fine)."""
    problems: list[str] = []
    add = problems.append
    orgs_by_slug = {o.slug: o for o in fair.organisations}
    topic_slugs = {t.slug for t in fair.topics}
    stage_slugs = {s.slug for s in fair.stages}
    booth_slugs = {b.slug for b in fair.booths}

    # counts
    if not 6 <= len(fair.topics) <= 8:
        add(f"expected 6–8 topics, got {len(fair.topics)}")
    if len(fair.organisations) < 70:
        add(f"expected ~75 organisations, got {len(fair.organisations)}")
    if len(fair.days) != 5:
        add(f"expected 5 days, got {len(fair.days)}")
    if not 2 <= len(fair.stages) <= 3:
        add(f"expected 2–3 stages, got {len(fair.stages)}")
    if len(fair.booths) != 72:
        add(f"expected exactly 72 booths, got {len(fair.booths)}")
    if len(fair.sessions) < 34:
        add(f"expected at least 34 sessions, got {len(fair.sessions)}")
    if not 6 <= len(fair.faq) <= 10:
        add(f"expected 6–10 FAQ entries, got {len(fair.faq)}")

    # unique slugs
    for label, slugs in (
        ("topic", [t.slug for t in fair.topics]),
        ("organisation", [o.slug for o in fair.organisations]),
        ("stage", [s.slug for s in fair.stages]),
        ("booth", [b.slug for b in fair.booths]),
        ("session", [s.slug for s in fair.sessions]),
    ):
        for dup in _duplicates(slugs):
            add(f"duplicate {label} slug {dup!r}")
        for slug in slugs:
            if not _CLEAN_SLUG.fullmatch(slug):
                add(f"{label} slug {slug!r} is not a clean slug")

    # series
    if fair.series.time_zone != "Europe/Berlin":
        add("series time zone must be Europe/Berlin")
    if (fair.series.start_date, fair.series.end_date) != (fair.days[0].date, fair.days[-1].date):
        add("series dates do not match first/last day")

    # organisations
    for o in fair.organisations:
        if not o.website.startswith("https://example.org/"):
            add(f"organisation {o.slug}: website not under https://example.org/")

    # days
    hosts = [d.host for d in fair.days]
    if len(set(hosts)) != 5:
        add("the five days must have five distinct hosts")
    for i, d in enumerate(fair.days):
        if d.index != i:
            add(f"day {i}: index field is {d.index}")
        if d.date.weekday() != i:
            add(f"day {i}: {d.date} is not weekday {i} (Mon–Fri)")
        host = orgs_by_slug.get(d.host)
        if host is None:
            add(f"day {i}: unknown host {d.host!r}")
        elif host.kind != OrganisationKind.host_region:
            add(f"day {i}: host {d.host!r} is not a host_region")
        if d.start >= d.end:
            add(f"day {i}: start not before end")
        for t in d.topics:
            if t not in topic_slugs:
                add(f"day {i}: unknown topic {t!r}")

    # booths
    for b in fair.booths:
        where = f"booth {b.slug}"
        if b.org not in orgs_by_slug:
            add(f"{where}: unknown organisation {b.org!r}")
        if not 1 <= len(b.topics) <= 2:
            add(f"{where}: needs 1–2 topics")
        for t in b.topics:
            if t not in topic_slugs:
                add(f"{where}: unknown topic {t!r}")
        if not 0 <= b.day < len(fair.days):
            add(f"{where}: day index {b.day} out of range")
        if not b.description.strip() or not b.tagline.strip():
            add(f"{where}: empty description or tagline")
        if not 1 <= len(b.materials) <= 4:
            add(f"{where}: needs 1–4 materials")
        for m in b.materials:
            if m.kind == MaterialKind.link:
                if not (m.url or "").startswith("https://example.org/") or m.filename:
                    add(
                        f"{where}: link material {m.title!r} needs an https://example.org/ url only"
                    )
            elif not m.filename or not m.size_bytes or m.size_bytes <= 0 or m.url:
                add(f"{where}: file material {m.title!r} needs filename and size_bytes")
        if not 1 <= len(b.contacts) <= 3:
            add(f"{where}: needs 1–3 contacts")
        for c in b.contacts:
            if not _email_ok(c.email):
                add(f"{where}: contact e-mail {c.email!r} not under example.org/example.com")
            if not c.phone.startswith("+49 30 "):
                add(f"{where}: contact phone {c.phone!r}")
    if _duplicates(b.description for b in fair.booths):
        add("booth descriptions are not all distinct")
    if not any("Schulanmeldungen" in b.description for b in fair.booths):
        add("no booth description mentions 'Schulanmeldungen'")

    # sessions
    by_stage: dict[tuple[int, str], list[Session]] = {}
    by_person: dict[str, list[Session]] = {}
    for s in fair.sessions:
        where = f"session {s.slug}"
        if not 0 <= s.day < len(fair.days):
            add(f"{where}: day index out of range")
            continue
        day = fair.days[s.day]
        if s.stage not in stage_slugs:
            add(f"{where}: unknown stage {s.stage!r}")
        if s.topic not in topic_slugs:
            add(f"{where}: unknown topic {s.topic!r}")
        if not 10 <= s.duration_min <= 60:
            add(f"{where}: duration {s.duration_min} not within 10–60 minutes")
        if s.language not in LANGUAGES:
            add(f"{where}: language {s.language!r}")
        if s.start.date() != day.date or s.start < day.starts_at or s.end > day.ends_at:
            add(f"{where}: outside the hours of day {s.day}")
        if len(s.booths) > 2:
            add(f"{where}: more than 2 linked booths")
        for bs in s.booths:
            if bs not in booth_slugs:
                add(f"{where}: unknown booth {bs!r}")
        if not s.speakers:
            add(f"{where}: no speakers")
        for p in s.speakers:
            if p.org not in orgs_by_slug:
                add(f"{where}: speaker {p.name} has unknown organisation {p.org!r}")
            by_person.setdefault(p.name, []).append(s)
        if len({p.name for p in s.speakers}) != len(s.speakers):
            add(f"{where}: a person is listed twice")
        moderators = [p for p in s.speakers if p.moderator]
        if s.kind == SessionKind.panel and (
            len(moderators) != 1 or not 3 <= len(s.speakers) - 1 <= 4
        ):
            add(f"{where}: panel needs 3–4 speakers and one moderator")
        by_stage.setdefault((s.day, s.stage), []).append(s)

    for (day_index, stage), items in by_stage.items():
        items.sort(key=lambda x: x.start)
        for prev, nxt in itertools.pairwise(items):
            if nxt.start < prev.end:
                add(f"day {day_index} stage {stage}: {prev.slug} overlaps {nxt.slug}")
    for name, items in by_person.items():
        items.sort(key=lambda x: x.start)
        for prev, nxt in itertools.pairwise(items):
            if nxt.start < prev.end:
                add(f"speaker {name} double-booked: {prev.slug} / {nxt.slug}")

    for i, d in enumerate(fair.days):
        todays = sorted((s for s in fair.sessions if s.day == i), key=lambda x: x.start)
        if not todays:
            add(f"day {i}: no sessions")
            continue
        first = todays[0]
        if first.kind != SessionKind.opening:
            add(f"day {i}: first session is not an opening address")
        elif not any(p.org == d.host for p in first.speakers):
            add(f"day {i}: opening address not given by the host region")
    if sum(1 for s in fair.sessions if s.kind == SessionKind.panel) < 3:
        add("expected at least 3 panel discussions")
    if not any(s.language == "en" for s in fair.sessions):
        add("expected at least one English session")
    if not any(s.do_not_record for s in fair.sessions):
        add("expected some sessions flagged do_not_record")

    # users
    speaker_names = set(by_person)
    if not any(u.role == Role.organiser and u.email == "orga@example.org" for u in fair.users):
        add("missing organiser orga@example.org")
    for dup in _duplicates(u.email for u in fair.users):
        add(f"duplicate user e-mail {dup!r}")
    for u in fair.users:
        if not _email_ok(u.email):
            add(f"user {u.email}: e-mail not under example.org/example.com")
        for org in u.organisations:
            if org not in orgs_by_slug:
                add(f"user {u.email}: unknown organisation {org!r}")
        if u.role == Role.exhibitor and not 1 <= len(u.organisations) <= 2:
            add(f"user {u.email}: exhibitor needs 1–2 organisations")
        if u.role == Role.speaker and u.speaker_name not in speaker_names:
            add(f"user {u.email}: speaker_name {u.speaker_name!r} not found in sessions")
    return problems
