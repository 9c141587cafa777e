"""The journeys' own fixture: each accessibility module gets one real server of the demo
fair with an attendee account (module scope, so the modules never share state)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.a11y_helpers import served_demo_with_attendee
from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer


@pytest_asyncio.fixture(scope="module")
async def a11y_server(
    template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppServer]:
    async with served_demo_with_attendee(
        template_databases, tmp_path_factory.mktemp("a11y-server")
    ) as server:
        yield server
