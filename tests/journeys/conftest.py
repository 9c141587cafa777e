"""The journeys' own fixtures: each accessibility module gets one real server of the demo
fair with an attendee account (module scope, so the modules never share state)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.support.a11y_helpers import demo_with_attendee, served_demo_with_attendee
from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server
from tests.support.page_states import PageStates, add_page_states


@pytest_asyncio.fixture(scope="module")
async def a11y_server(
    template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppServer]:
    async with served_demo_with_attendee(
        template_databases, tmp_path_factory.mktemp("a11y-server")
    ) as server:
        yield server


@pytest_asyncio.fixture(scope="module")
async def a11y_states_server(
    template_databases: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[AppServer, PageStates]]:
    """The same fair with its pages in their other states too (tests/support/
    page_states.py): live, ended, recorded, cancelled talks, a booth with appointments."""
    url = await demo_with_attendee(template_databases)
    states = await add_page_states(url)
    server = start_app_server(tmp_path_factory.mktemp("a11y-states-server"), url)
    try:
        yield server, states
    finally:
        server.stop()
