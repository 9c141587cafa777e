"""Logged-in attendees share one cached page per page and language.

Measured by the busiest-hour benchmark (bench/busiest_hour.py): with one cache entry per
user and page, nearly every request of 275 logged-in visitors rendered (74 % of a core,
p99 0.9–1.7 s), although a logged-in render costs no more than an anonymous one. What
an attendee's page shows of them is their name and e-mail (the logout button, the chat
and Q&A name fields, the contact form); role and organisations decide the rest (drafts,
edit links, moderation). So attendees without an organisation share one render, made
for a stand-in user whose name and e-mail are placeholders, and each visitor's own
values are put in when the page is served (as the CSRF token is, ``fair.pagecache``).
Exhibitors, speakers and organisers keep their own entries (their pages differ by their
booths, talks and rights), and so does an attendee a domain says has pages of their own
(:attr:`fair.auth.CurrentUser.own_pages`; the programme: an account linked to a speaker
has the speaker's pages and is on that session's team, whose controls and navigation a
render for the stand-in would hide).
"""

from __future__ import annotations

import dataclasses
import html

from fair.auth import CurrentUser
from fair.models import Role

NAME_PLACEHOLDER = "__fair_user_name__"
EMAIL_PLACEHOLDER = "__fair_user_email__"
ATTENDEES = "role:attendee"


def shared_audience(user: CurrentUser) -> str | None:
    """The key part of visitors who share renders (None: this user gets their own)."""
    if user.role is Role.attendee and not user.organisation_ids and not user.own_pages:
        return ATTENDEES
    return None


def stand_in(user: CurrentUser) -> CurrentUser:
    """Who a shared render is made for: the same role, no id (no talk or booth is theirs),
    placeholders for what is personal."""
    return dataclasses.replace(user, id=0, name=NAME_PLACEHOLDER, email=EMAIL_PLACEHOLDER)


def personal_values(user: CurrentUser | None) -> dict[bytes, bytes]:
    """What a shared render for ``user`` gets in place of each placeholder: their name and
    e-mail, HTML-escaped (the templates put them in text and attribute values only)."""
    return {
        NAME_PLACEHOLDER.encode(): html.escape(user.name if user else "").encode(),
        EMAIL_PLACEHOLDER.encode(): html.escape(user.email if user else "").encode(),
    }


def personalise(body: bytes, user: CurrentUser | None) -> bytes:
    """A shared render for ``user``: :func:`personal_values` put in."""
    if NAME_PLACEHOLDER.encode() not in body and EMAIL_PLACEHOLDER.encode() not in body:
        return body
    for placeholder, value in personal_values(user).items():
        body = body.replace(placeholder, value)
    return body
