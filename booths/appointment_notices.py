"""What both sides are told about a booking: an iCalendar invitation and two mails.

The visitor gets the confirmation with the room link, the cancel link and the
invitation (``termin.ics``, TZID Europe/Berlin, built with the icalendar library); the
contact person gets a notice with the topic and the dashboard link, where SMTP is
configured (:mod:`fair.mail` queues and never blocks the booking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from starlette.applications import Starlette

from booths.models import Appointment, Booth
from fair.app_services import app_services
from fair.formatting import format_local_datetime
from fair.i18n import gettext_for
from fair.mail import Attachment, Mail
from fair.templating import N_, Templates


@dataclass(frozen=True)
class Links:
    page: str
    room: str
    cancel: str
    ics: str

    @classmethod
    def for_token(cls, base_url: str, token: str) -> Links:
        page = f"{base_url.rstrip('/')}/appointments/{token}"
        return cls(page, f"{page}/room", f"{page}#cancel", f"{page}/termin.ics")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(
    templates: Templates, name: str, subject: str, context: dict[str, Any], language: str
) -> RenderedMail:
    """Subject, text and HTML of one mail in the recipient's language, from
    ``{name}.txt`` and ``{name}.html`` (HTML autoescaped, text not)."""
    translation = gettext_for(language)
    tz = templates.settings.time_zone
    values = {
        **context,
        "lang": language,
        "_": translation.gettext,
        "gettext": translation.gettext,
        "ngettext": translation.ngettext,
        "local_datetime": lambda v: format_local_datetime(v, tz, language),
    }
    html = templates.env.get_template(f"{name}.html").render(values)
    text_env = templates.env.overlay(autoescape=False)
    text = text_env.get_template(f"{name}.txt").render(values)
    return RenderedMail(translation.gettext(subject) % context["subject_values"], text, html)


def invitation(
    appointment: Appointment, booth: Booth, links: Links, time_zone: str, method: str = "REQUEST"
) -> bytes:
    """One VEVENT in the event's zone, with the room link as location and URL."""
    zone = ZoneInfo(time_zone)
    slot = appointment.slot
    calendar = Calendar()
    calendar.add("prodid", "-//fair//appointments//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"appointment-{appointment.id}-{slot.id}@fair")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", slot.starts_at.replace(tzinfo=UTC).astimezone(zone))
    event.add("dtend", slot.ends_at.replace(tzinfo=UTC).astimezone(zone))
    event.add("summary", f"{booth.name}: {slot.contact.name}")
    event.add("description", f"{appointment.topic}\n\n{links.room}\n\n{links.cancel}")
    event.add("location", vText(links.room))
    event.add("url", links.room)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if slot.contact.email:
        organizer = vCalAddress(f"mailto:{slot.contact.email}")
        organizer.params["cn"] = vText(slot.contact.name)
        event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{appointment.email}")
    attendee.params["cn"] = vText(appointment.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


async def _send(
    app: Starlette,
    to: str,
    template: str,
    subject: str,
    context: dict[str, Any],
    language: str,
    calendar: tuple[str, bytes, str],
) -> None:
    """Render one mail in ``language`` and queue it with its calendar entry attached
    (file name, iCalendar bytes, METHOD)."""
    mail = render_mail(app_services(app).templates, template, subject, context, language)
    name, ics, method = calendar
    attachment = Attachment(name, ics, f"text/calendar; method={method}")
    await app_services(app).mailer.send(
        Mail(to=to, subject=mail.subject, text=mail.text, html=mail.html, attachments=(attachment,))
    )


async def send_booking_mails(
    app: Starlette, appointment: Appointment, booth: Booth, links: Links, dashboard_url: str
) -> None:
    """Queue the visitor's confirmation and the expert's notice (no-op without SMTP)."""
    if not app_services(app).mailer.enabled:
        return
    settings = app_services(app).settings
    calendar = ("termin.ics", invitation(appointment, booth, links, settings.time_zone), "REQUEST")
    context: dict[str, Any] = {
        "appointment": appointment,
        "booth": booth,
        "links": links,
        "dashboard_url": dashboard_url,
        "subject_values": {"booth": booth.name, "name": appointment.name},
    }
    await _send(
        app,
        appointment.email,
        "booths/mail/appointment_visitor",
        N_("Ihr Termin am Stand „%(booth)s“"),
        context,
        appointment.language,
        calendar,
    )
    expert_address = appointment.slot.contact.email
    if expert_address:
        await _send(
            app,
            expert_address,
            "booths/mail/appointment_expert",
            N_("Neuer Termin am Stand „%(booth)s“ mit %(name)s"),
            context,
            settings.default_language,
            calendar,
        )


async def send_cancellation_mails(
    app: Starlette, appointment: Appointment, booth: Booth, links: Links
) -> None:
    """Tell both sides, each with a METHOD:CANCEL entry that removes the event from
    their calendars (same UID as the invitation)."""
    if not app_services(app).mailer.enabled:
        return
    settings = app_services(app).settings
    ics = invitation(appointment, booth, links, settings.time_zone, method="CANCEL")
    context: dict[str, Any] = {
        "appointment": appointment,
        "booth": booth,
        "subject_values": {"booth": booth.name, "name": appointment.name},
    }
    recipients = [(appointment.email, appointment.language)]
    if appointment.slot.contact.email:
        recipients.append((appointment.slot.contact.email, settings.default_language))
    for address, language in recipients:
        if not address:
            continue
        await _send(
            app,
            address,
            "booths/mail/appointment_cancelled",
            N_("Abgesagt: Termin am Stand „%(booth)s“"),
            context,
            language,
            ("absage.ics", ics, "CANCEL"),
        )
