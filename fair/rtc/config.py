"""aiortc's peer configuration from the ``FAIR_LIVE_ICE_SERVERS`` setting, the same for the
live stage, its fan-out helpers and the appointment call relay."""

from __future__ import annotations

from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer


def rtc_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    """Build aiortc's configuration from settings; an empty list means host candidates only.

    Never falls back to a public STUN server: aiortc's default would contact Google.
    ``max-bundle``: aiortc's default "balanced" policy leaves the second audio or video
    m-line of a BUNDLE group on a transport it then discards, so a panel viewer's second
    seat would stay silent.
    """
    servers = [
        RTCIceServer(
            urls=server["urls"],
            username=server.get("username"),
            credential=server.get("credential"),
        )
        for server in ice_servers
    ]
    return RTCConfiguration(iceServers=servers, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
