"""Keep the garbage collector's full passes short on a long-running server.

Why: a web process holds hundreds of thousands of long-lived objects after start-up
(modules, templates, SQLAlchemy metadata, translation catalogs). Each full collection
walks all of them while holding the event loop, so chat frames, page responses and the
``/healthz`` probe wait. ``gc.freeze()`` moves what exists after start-up to a permanent
generation that collections skip; a larger first threshold makes young collections (and
so the promotions that trigger full ones) rarer under the many short-lived objects of
requests. Reference cycles created later are still collected.
"""

from __future__ import annotations

import gc

#: Allocations between young collections (CPython's default is 700).
YOUNG_THRESHOLD = 20_000


def freeze_startup_objects() -> None:
    """Collect once, then freeze everything alive and raise the young threshold."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
