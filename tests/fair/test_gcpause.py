"""The app freezes its start-up objects out of the collector's reach (event-loop stalls).

A full collection walks every tracked object while it holds the loop; after start-up the
app's lasting objects (modules, templates, metadata) are frozen, so later full passes only
walk what requests created. FAIR_GC_FREEZE=false keeps CPython's defaults.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from fair.app import create_app
from fair.gcpause import YOUNG_THRESHOLD
from tests.conftest import make_settings


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("freeze", [True, False])
async def test_app_start_freezes_what_it_loaded(
    freeze: bool, database_url: str, tmp_path: Path, collector_restored: None
) -> None:
    gc.unfreeze()
    app = create_app(make_settings(database_url, tmp_path, gc_freeze=freeze))
    async with app.router.lifespan_context(app):
        if freeze:
            assert gc.get_freeze_count() > 10_000  # the app's lasting objects
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
            tracked = len(gc.get_objects())
            assert tracked < gc.get_freeze_count()  # a full pass walks only the rest
        else:
            assert gc.get_freeze_count() == 0
            assert gc.get_threshold()[0] != YOUNG_THRESHOLD
