"""URL table of the exhibition hall, and its start-up hook.

Upload routes (``/booths/{slug}/materials``, ``/booths/{slug}/materials/{id}``,
``/booths/{slug}/logo``, ``/booths/{slug}/cover``) must match ``fair.app.UPLOAD_PATHS``
so the upload size limit applies there instead of the form limit.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route, WebSocketRoute

from booths import (
    analytics,
    appointment_views,
    booth_edit_views,
    booth_socket,
    call_relay_views,
    call_socket,
    exhibitor_views,
    organiser_views,
    views,
    walkin_views,
    withdrawal,
)
from booths.app_parts import BoothParts
from booths.appointments import purge_expired_appointments
from booths.call_relay import CallRelays
from booths.lead_mail import digest_loop
from booths.search import SearchService
from booths.services import contact_request_limit, purge_expired_requests
from booths.team_presence import team_announcer
from fair.app_services import app_services

POST = ["POST"]

routes: list[BaseRoute] = [
    Route("/booths", views.hall, name="hall"),
    Route("/booths/{slug}", views.booth_detail, name="booth"),
    Route("/booths/{slug}/contact", views.contact_request, methods=POST),
    Route("/booths/{slug}/logo", booth_edit_views.logo_route, methods=["GET", "HEAD", "POST"]),
    Route("/booths/{slug}/cover", booth_edit_views.cover_upload, methods=POST),
    Route(
        "/booths/{slug}/images/{kind}/{version}/{name}",
        views.picture_variant,
        methods=["GET", "HEAD"],
    ),
    Route("/booths/{slug}/edit", booth_edit_views.edit_page, methods=["GET"]),
    Route("/booths/{slug}/edit", booth_edit_views.edit_text, methods=POST),
    Route("/booths/{slug}/contacts", booth_edit_views.contact_add, methods=POST),
    Route("/booths/{slug}/contacts/{contact_id}", booth_edit_views.contact_update, methods=POST),
    Route(
        "/booths/{slug}/contacts/{contact_id}/delete", booth_edit_views.contact_delete, methods=POST
    ),
    Route("/booths/{slug}/links", booth_edit_views.link_add, methods=POST),
    Route("/booths/{slug}/materials", booth_edit_views.material_upload, methods=POST),
    Route("/booths/{slug}/materials/{material_id}", booth_edit_views.material_upload, methods=POST),
    Route(
        "/booths/{slug}/materials/{material_id}/delete",
        booth_edit_views.material_delete,
        methods=POST,
    ),
    Route(
        "/booths/{slug}/materials/{material_id}/download",
        views.material_download,
        methods=["GET", "HEAD"],
    ),
    Route("/booths/{slug}/appointments", appointment_views.booking_form, methods=["GET"]),
    Route("/booths/{slug}/appointments", appointment_views.book, methods=POST),
    Route("/booths/{slug}/slots", appointment_views.slots_page, methods=["GET"]),
    Route("/booths/{slug}/slots", appointment_views.slots_publish, methods=POST),
    Route("/booths/{slug}/slots/{slot_id}/delete", appointment_views.slot_delete, methods=POST),
    Route("/appointments/{token}", appointment_views.appointment_page),
    Route("/appointments/{token}/termin.ics", appointment_views.appointment_ics),
    Route("/appointments/{token}/cancel", appointment_views.appointment_cancel, methods=POST),
    Route("/appointments/{token}/room", appointment_views.visitor_room),
    Route("/exhibitor/appointments/{appointment_id}/room", appointment_views.staff_room),
    WebSocketRoute("/ws/appointments/{token}", call_socket.visitor_call_socket),
    WebSocketRoute("/ws/exhibitor/appointments/{appointment_id}", call_socket.staff_call_socket),
    Route("/appointments/{token}/relay", call_relay_views.visitor_relay, methods=POST),
    Route(
        "/exhibitor/appointments/{appointment_id}/relay",
        call_relay_views.staff_relay,
        methods=POST,
    ),
    Route(
        "/exhibitor/appointments/{appointment_id}/relay",
        call_relay_views.staff_relay_state,
        methods=["GET"],
    ),
    Route("/booths/{slug}/walkin", walkin_views.status, methods=["GET"]),
    Route("/booths/{slug}/walkin", walkin_views.ask, methods=POST),
    WebSocketRoute("/ws/booths/{slug}", booth_socket.booth_socket),
    WebSocketRoute("/ws/booths/{slug}/walkin/{request_id}", walkin_views.visitor_socket),
    WebSocketRoute("/ws/exhibitor/booths/{slug}/walkin", walkin_views.team_socket),
    Route("/contact-requests/withdraw/{token}", withdrawal.withdraw_page, methods=["GET", "POST"]),
    Route("/exhibitor", exhibitor_views.exhibitor_dashboard),
    Route("/exhibitor/leads.csv", exhibitor_views.leads_csv),
    Route("/exhibitor/notifications", exhibitor_views.notification_settings, methods=POST),
    Route("/exhibitor/unread.json", exhibitor_views.unread_counts),
    Route("/organiser/booths", organiser_views.organiser_booths, methods=["GET"]),
    Route("/organiser/booths", organiser_views.organiser_create_booth, methods=POST),
    Route("/organiser/booths/{slug}/exhibitors", organiser_views.organiser_assign, methods=POST),
    Route(
        "/organiser/booths/{slug}/exhibitors/remove",
        organiser_views.organiser_unassign,
        methods=POST,
    ),
]


def register_booth_hooks(app: Starlette) -> None:
    """At start-up: fill the search index when it does not match the booths table (a
    freshly seeded or restored database) and delete contact requests past retention."""

    async def ensure_search_index(app: Starlette) -> None:
        async with app_services(app).db.session() as db:
            await purge_expired_requests(db)  # retention, also when no inbox is opened
            await purge_expired_appointments(db)
            await SearchService.for_db(db).ensure_index(db)
            await db.commit()

    # Signs appointment links and walk-in tickets; read once (it may live in a file).
    # Appointment calls are relayed through this process's media engine (never recorded).
    settings = app_services(app).settings
    parts = BoothParts(
        visit_counts=analytics.VisitCounts(app_services(app).db),
        contact_limiter=contact_request_limit(),
        link_secret=settings.effective_secret_key(),
        call_relays=CallRelays(settings.ice_server_list, app_services(app).hub),
        # „Jetzt am Stand“: the team list published on a booth's channel when it changes.
        team_presence=team_announcer(app_services(app).hub, app_services(app).db),
    )
    app_services(app).add_part(parts)

    async def start_digests(app: Starlette) -> None:
        if app_services(app).mailer.enabled:
            parts.digest_task = asyncio.create_task(digest_loop(app), name="lead-digests")

    async def stop_digests(app: Starlette) -> None:
        task = parts.digest_task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app_services(app).startup_hooks.append(ensure_search_index)

    parts.visit_counts.run_with(app_services(app))
    app_services(app).startup_hooks.append(start_digests)
    app_services(app).shutdown_hooks.append(stop_digests)

    async def close_call_relays(app: Starlette) -> None:
        await parts.call_relays.close()

    app_services(app).shutdown_hooks.append(close_call_relays)

    async def close_team_presence(app: Starlette) -> None:
        await parts.team_presence.close()

    app_services(app).shutdown_hooks.append(close_team_presence)
