"""Loopback ICE candidates for development on a machine with no other interface.

aioice never gathers 127.0.0.1, so on a loopback-only machine (a laptop offline, a CI
container) a browser and the server find no candidate pair. ``FAIR_LIVE_LOOPBACK_ICE``
(off by default, refused in production mode, see :mod:`fair.settings`) turns this on
for ``fair serve``, its live media worker and its fan-out helpers (they read it from the
engine's :class:`~sessions.live.config.LiveConfig`, ``loopback``); tests and benchmarks use
the same switch instead of patching aioice themselves.
"""

from __future__ import annotations


def allow_loopback_candidates() -> None:
    """Let aioice gather 127.0.0.1 in this process as well (idempotent)."""
    import aioice.ice

    original = aioice.ice.get_host_addresses
    if getattr(original, "_fair_loopback", False):
        return

    def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = original(use_ipv4, use_ipv6)
        if use_ipv4 and "127.0.0.1" not in addresses:
            addresses = ["127.0.0.1", *addresses]
        return addresses

    with_loopback._fair_loopback = True  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = with_loopback
