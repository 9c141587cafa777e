"""Entry point of the test app server: like ``fair serve``, plus loopback ICE candidates.

aioice never gathers 127.0.0.1; on a loopback-only machine WebRTC needs it. This is a
test-setup detail and never a production default.
"""

from __future__ import annotations

import uvicorn

from fair.app import create_app
from fair.realtime import UVICORN_WS_OPTIONS
from fair.settings import Settings


def allow_loopback_ice() -> None:
    import aioice.ice

    original = aioice.ice.get_host_addresses

    def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = list(original(use_ipv4=use_ipv4, use_ipv6=use_ipv6))
        if use_ipv4 and "127.0.0.1" not in addresses:
            addresses.append("127.0.0.1")
        return addresses

    aioice.ice.get_host_addresses = with_loopback


def main() -> None:
    allow_loopback_ice()
    settings = Settings.from_env()
    app = create_app(settings)
    app.state.live_worker_args = ["--loopback"]  # the media worker gathers 127.0.0.1 too
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        **UVICORN_WS_OPTIONS,
    )


if __name__ == "__main__":
    main()
