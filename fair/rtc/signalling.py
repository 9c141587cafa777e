"""The signalling request every WebRTC endpoint takes: one JSON offer ``{"sdp": ...,
"type": "offer"}`` per POST, read with a size cap, and a per-client limit on offers (a
refused offer's :class:`~fair.rtc.errors.LiveError` is answered by the app's error
handler, ``fair.app.handle_live_error``).

The limit (``FAIR_LIVE_OFFERS_PER_MINUTE``) is one per app, shared by the live stage's
publishers and viewers and the appointment call relay: each offer costs the server an
ICE agent and a DTLS handshake, whichever page sends it.
"""

from __future__ import annotations

import json

from starlette.requests import HTTPConnection, Request

from fair.app_services import app_services
from fair.errors import HTTPError
from fair.ratelimit import SlidingWindowLimit
from fair.web import check_csrf

MAX_SIGNAL_BYTES = 128 * 1024
TOO_MANY_OFFERS = "Zu viele Verbindungsversuche. Bitte warten Sie eine Minute."


class OfferLimit(SlidingWindowLimit):
    """The app's per-client limit on WebRTC offers (kept as a part of the app's services)."""


def offer_limit(where: HTTPConnection) -> OfferLimit:
    """The app's offer limit, made on first use from the settings."""
    services = app_services(where)
    try:
        return services.part(OfferLimit)
    except LookupError:
        limit = OfferLimit(services.settings.live_offers_per_minute, 60, TOO_MANY_OFFERS)
        services.add_part(limit)
        return limit


def check_offer_rate(request: Request) -> None:
    """429 when this client sent too many offers in the last minute."""
    offer_limit(request).check(request.client.host if request.client else "unknown")


async def read_offer(request: Request) -> tuple[str, str]:
    """The JSON offer ``{"sdp": ..., "type": "offer"}``; anything else is a clear 4xx."""
    check_csrf(request, None)
    body = await request.body()
    if len(body) > MAX_SIGNAL_BYTES:
        raise HTTPError(413, f"sdp: höchstens {MAX_SIGNAL_BYTES} Bytes")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPError(400, "Anfrage ist kein gültiges JSON.") from exc
    if not isinstance(payload, dict):
        raise HTTPError(400, "Anfrage muss ein JSON-Objekt sein.")
    sdp, kind = payload.get("sdp"), payload.get("type")
    if not isinstance(sdp, str) or not sdp:
        raise HTTPError(400, "sdp: fehlt", field="sdp")
    if kind != "offer":
        raise HTTPError(400, "type: muss 'offer' sein", field="type")
    return sdp, kind
