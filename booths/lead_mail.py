"""Mails about contact requests: the exhibitor hears of each new request (or once a day),
the visitor gets a confirmation with the link that withdraws the request.

Mails are queued on the app's :class:`fair.mail.Mailer` after the request is committed,
so a slow or absent SMTP server never slows or fails the visitor's form.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from booths.models import Booth, ContactPerson
from booths.services import NewContactRequest
from fair.app_services import AppServices, app_services
from fair.db import utcnow
from fair.i18n import gettext_for
from fair.mail import Mail, Mailer
from fair.models import Membership, Role, User
from fair.templating import Templates

log = logging.getLogger("fair.booths")

LEAD_MAIL_CHOICES = ("each", "daily", "off")
DIGEST_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class Postman:
    """What composing and sending a mail needs: the queue, the templates, the address
    links in mails start with, and the language of accounts (they have none of their own)."""

    mailer: Mailer
    templates: Templates
    base_url: str
    account_language: str

    def compose(
        self, to: str, subject: str, template: str, language: str, **context: object
    ) -> Mail:
        text, html = self.templates.render_mail(
            template, language, {"base_url": self.base_url, **context}
        )
        return Mail(to=to, subject=subject, text=text, html=html)


def contact_person_label(person: ContactPerson | None) -> str:
    if person is None:
        return ""
    return f"{person.name} ({person.role})" if person.role else person.name


async def exhibitor_accounts(
    db: AsyncSession, organisation_ids: Sequence[int], lead_mail: str
) -> list[tuple[int, User]]:
    """(organisation id, account) of active exhibitors who chose this kind of lead mail."""
    rows = await db.execute(
        select(Membership.organisation_id, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.organisation_id.in_(list(organisation_ids)),
            User.role == Role.exhibitor,
            User.is_active.is_(True),
            User.lead_mail == lead_mail,
        )
        .order_by(User.id)
    )
    return [(org_id, user) for org_id, user in rows.all()]


async def announce_contact_request(
    db: AsyncSession, postman: Postman, booth: Booth, new: NewContactRequest
) -> None:
    """Queue the visitor's confirmation and the mails to the booth's exhibitors."""
    request = new.request
    person = next((c for c in booth.contacts if c.id == request.contact_person_id), None)
    withdraw_url = f"{postman.base_url}/contact-requests/withdraw/{new.withdraw_token}"
    visitor_subject = gettext_for(request.language).gettext("Ihre Anfrage an %(booth)s") % {
        "booth": booth.name
    }
    await postman.mailer.send(
        postman.compose(
            request.email,
            visitor_subject,
            "booths/mail/confirmation",
            request.language,
            booth=booth,
            request=request,
            contact_person=contact_person_label(person),
            withdraw_url=withdraw_url,
        )
    )
    language = postman.account_language
    subject = gettext_for(language).gettext("Neue Kontaktanfrage am Stand %(booth)s") % {
        "booth": booth.name
    }
    for _org, account in await exhibitor_accounts(db, [booth.organisation_id], "each"):
        mail = postman.compose(
            account.email,
            subject,
            "booths/mail/new_request",
            language,
            booth=booth,
            request=request,
            contact_person=contact_person_label(person),
            recipient=account,
        )
        await postman.mailer.send(
            Mail(to=mail.to, subject=mail.subject, text=mail.text, html=mail.html,
                 reply_to=request.email)
        )  # fmt: skip


async def send_daily_digests(
    db: AsyncSession, postman: Postman, now: datetime | None = None
) -> int:
    """One mail per exhibitor who chose the daily digest and had none for a day, listing
    the requests that came in since the last digest (none: no mail). Returns how many
    digests were queued."""
    from booths.queries import booths_of, contact_requests_for

    now = now or utcnow()
    due = now - DIGEST_INTERVAL + timedelta(hours=1)  # the hourly check may run late
    accounts = await db.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.role == Role.exhibitor, User.is_active.is_(True), User.lead_mail == "daily")
        .where(or_(User.digest_sent_at.is_(None), User.digest_sent_at <= due))
        .distinct()
    )
    users = list(accounts.scalars().all())
    if not users:
        return 0
    memberships = await db.execute(
        select(Membership.user_id, Membership.organisation_id).where(
            Membership.user_id.in_([u.id for u in users])
        )
    )
    orgs_of: dict[int, set[int]] = {}
    for user_id, org_id in memberships.all():
        orgs_of.setdefault(user_id, set()).add(org_id)
    booths = await booths_of(db, sorted(set().union(*orgs_of.values())))
    requests = await contact_requests_for(db, [b.id for b in booths])
    language = postman.account_language
    subject = gettext_for(language).gettext("Ihre Kontaktanfragen des Tages")
    sent = 0
    for user in users:
        since = user.digest_sent_at or datetime.min
        own = {b.id: b for b in booths if b.organisation_id in orgs_of.get(user.id, set())}
        new = [r for r in requests if r.booth_id in own and since < r.created_at <= now]
        user.digest_sent_at = now
        if not new:
            continue
        await postman.mailer.send(
            postman.compose(
                user.email, subject, "booths/mail/digest", language,
                requests=list(reversed(new)), booths=own, recipient=user,
            )
        )  # fmt: skip
        sent += 1
    return sent


def app_postman(app: AppServices, base_url: str = "") -> Postman:
    """The postman of a running app; links start at ``base_url``, else FAIR_BASE_URL, else
    the address ``fair serve`` listens on."""
    settings = app.settings
    base = base_url.rstrip("/") or settings.public_url
    return Postman(app.mailer, app.templates, base, settings.default_language)


async def digest_loop(app: Starlette, interval: float = 3600) -> None:
    """Hourly: queue the digests that are due. Runs for the app's lifetime, first an hour
    after start, so a restart loop cannot send a burst."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with app_services(app).db.session() as db:
                await send_daily_digests(db, app_postman(app_services(app)))
                await db.commit()
        except Exception:  # a failed round must not end the loop; the next one retries
            log.exception("daily digest round failed")
