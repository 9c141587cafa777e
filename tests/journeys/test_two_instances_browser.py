"""Two instances, one URL: deploy/nginx.conf (Debian's nginx) in front of two ``fair``
processes that share one PostgreSQL, one Redis and one S3 server (nanio). People in
Chromium alternate between the instances: a login on one holds on the other, chat and
Q&A sent through one reach a browser connected to the other, and an edit on one is on
the other's (cached) page at once.

To alternate deterministically, the test's copy of the proxy config lets a cookie
(``fair_test_instance=a|b``) pick the instance for everything that is otherwise load
balanced; nginx names the instance that served each answer in a header and in its
access log (WebSockets included). Both are test-setup only: the shipped config, the
talk-to-instance routing and the balancing itself are as deployed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fair.seed import tiny_pdf
from tests.support import pg_server
from tests.support.app import TemplateDatabases
from tests.support.app_server import AppServer, start_app_server
from tests.support.journey_helpers import Journey, close_journeys, open_journey, poll
from tests.support.nginx import NGINX, render_nginx_conf, wait_for_proxy
from tests.support.ports import free_port
from tests.support.redis_server import running_redis
from tests.support.s3_server import S3Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOOTH = "ac-digicheck"
EXHIBITOR = "aussteller.krz@example.org"
UPSTREAM_HEADER = "x-test-upstream"


def pin_instances(conf: Path, upstreams: dict[str, str], log: Path) -> None:
    """Add the test-only instance pin, the upstream header and the access log."""
    text = conf.read_text()
    pins = "".join(f"        {name} {address};\n" for name, address in upstreams.items())
    text = text.replace(
        "    access_log off;\n",
        "    log_format upstream '$request_method $uri $status $upstream_addr';\n"
        f"    access_log {log} upstream;\n"
        f"    add_header X-Test-Upstream $upstream_addr always;\n"
        "    map $cookie_fair_test_instance $fair_pick {\n"
        "        default fair_any;\n" + pins + "    }\n",
    )
    location_any = "            proxy_pass http://fair_any;\n"
    assert location_any in text, "deploy/nginx.conf changed: update the test pin"
    text = text.replace(location_any, "            proxy_pass http://$fair_pick;\n")
    conf.write_text(text)


@dataclass
class Cluster:
    url: str
    servers: dict[str, AppServer]
    access_log: Path

    def instance(self, response: Any) -> str:
        """Which instance served a Playwright or httpx response."""
        headers = response.headers
        address = headers.get(UPSTREAM_HEADER, "")
        names = [n for n, s in self.servers.items() if s.base_url.endswith(address)]
        assert address and len(names) == 1, (address, dict(headers))
        return names[0]

    def websockets(self, path: str) -> set[str]:
        """Instances that served a (closed) WebSocket to ``path``, from nginx's log."""
        served = set()
        for line in self.access_log.read_text().splitlines():
            _method, uri, status, address = line.split(" ", 3)
            if uri == path and status == "101":
                served |= {n for n, s in self.servers.items() if s.base_url.endswith(address)}
        return served


@pytest_asyncio.fixture
async def cluster(
    template_databases: TemplateDatabases,
    pg_cluster: pg_server.PostgresCluster,
    tmp_path: Path,
) -> AsyncIterator[Cluster]:
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed")
    database_url = await template_databases.postgres(pg_cluster, seeded=True)
    with ExitStack() as stack:
        redis = stack.enter_context(running_redis())
        s3 = S3Server().start()
        stack.callback(s3.cleanup)
        bucket = s3.create_bucket()
        env = {
            "FAIR_REDIS_URL": redis.url,
            "FAIR_STORAGE_URL": f"s3://{bucket}",
            "FAIR_S3_ENDPOINT_URL": s3.endpoint_url,
            "FAIR_S3_ACCESS_KEY": s3.access_key,
            "FAIR_S3_SECRET_KEY": s3.secret_key,
        }
        servers: dict[str, AppServer] = {}
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers[name] = start_app_server(tmp_path / name, database_url, extra_env=env)
            stack.callback(servers[name].stop)
        proxy_dir = tmp_path / "nginx"
        proxy_dir.mkdir()
        port = free_port()
        addresses = {n: s.base_url.removeprefix("http://") for n, s in servers.items()}
        conf = render_nginx_conf(proxy_dir, port, list(addresses.values()))
        access_log = proxy_dir / "access.log"
        pin_instances(conf, addresses, access_log)
        nginx = subprocess.Popen(
            [NGINX, "-p", str(proxy_dir), "-c", str(conf), "-g", "daemon off;"],
            stderr=subprocess.DEVNULL,
        )

        def stop_nginx() -> None:
            nginx.terminate()
            nginx.wait(timeout=10)

        stack.callback(stop_nginx)
        url = f"http://127.0.0.1:{port}"
        wait_for_proxy(url, proxy_dir / "error.log")
        yield Cluster(url, servers, access_log)


async def _pin(journey: Journey, cluster: Cluster, name: str) -> None:
    await journey.page.context.add_cookies(
        [{"name": "fair_test_instance", "value": name, "url": cluster.url}]
    )


async def _goto(journey: Journey, cluster: Cluster, path: str, expected: str) -> None:
    response = await journey.page.goto(f"{cluster.url}{path}")
    assert response is not None and response.ok, path
    assert cluster.instance(response) == expected, path


async def test_a_journey_alternating_two_instances_behind_one_url(
    cluster: Cluster, browser: Any, tmp_path: Path
) -> None:
    shots = tmp_path / "shots"
    base = cluster.url
    session = httpx.get(f"{base}/api/sessions").json()["sessions"][0]
    session_path = f"/sessions/{session['id']}"
    exhibitor = await open_journey(browser, shots, "exhibitor")
    visitor_a = await open_journey(browser, shots, "visitor-a")
    visitor_b = await open_journey(browser, shots, "visitor-b")
    try:
        # an anonymous visitor on A has the booth page in A's page cache
        await _pin(visitor_a, cluster, "a")
        await _goto(visitor_a, cluster, f"/booths/{BOOTH}", "a")
        await _goto(visitor_a, cluster, f"/booths/{BOOTH}", "a")  # now from the cache
        old_tagline = await visitor_a.page.locator("p.lead").inner_text()

        # login on A holds on B
        await _pin(exhibitor, cluster, "a")
        await _goto(exhibitor, cluster, "/login", "a")
        await exhibitor.page.fill("#email", EXHIBITOR)
        await exhibitor.page.fill("#password", "demo-passwort")
        async with exhibitor.page.expect_navigation() as navigation:
            await exhibitor.page.click("main button[type=submit]")
        assert cluster.instance(await navigation.value) == "a"
        assert exhibitor.page.url == f"{base}/exhibitor"
        await _pin(exhibitor, cluster, "b")
        await _goto(exhibitor, cluster, "/exhibitor", "b")
        assert await exhibitor.page.get_by_role("heading", name="Mein Stand").count() == 1
        await exhibitor.shot("dashboard-on-b")

        # an edit on B is on A's cached page at once
        await _goto(exhibitor, cluster, f"/booths/{BOOTH}/edit", "b")
        tagline = "Geändert auf Instanz B"
        assert tagline != old_tagline
        await exhibitor.page.fill("#b-tagline", tagline)
        async with exhibitor.page.expect_navigation() as navigation:
            await exhibitor.page.locator("form:has(#b-tagline) button[type=submit]").click()
        assert cluster.instance(await navigation.value) == "b"
        response = await visitor_a.page.reload()
        assert response is not None and cluster.instance(response) == "a"
        assert await visitor_a.page.locator("p.lead").inner_text() == tagline
        await visitor_a.shot("booth-on-a-after-edit-on-b")

        # a material uploaded through B (into the shared S3) downloads through A (which
        # may answer with a redirect to a presigned URL of the S3 server)
        payload = tiny_pdf("Faltblatt von Instanz B")
        upload = tmp_path / "faltblatt.pdf"
        upload.write_bytes(payload)
        await exhibitor.page.fill("#new-title", "Faltblatt von B")
        await exhibitor.page.set_input_files("#new-file", str(upload))
        async with exhibitor.page.expect_navigation() as navigation:
            await exhibitor.page.locator("form:has(#new-file) button[type=submit]").click()
        assert cluster.instance(await navigation.value) == "b"
        await visitor_a.page.reload()
        async with visitor_a.page.expect_download() as download_info:
            await visitor_a.page.get_by_role("link", name="Faltblatt von B").click()
        download = await download_info.value
        assert Path(await download.path()).read_bytes() == payload
        assert re.search(
            rf"^GET /booths/{BOOTH}/materials/\d+/download (200|303) "
            + re.escape(cluster.servers["a"].base_url.removeprefix("http://")),
            cluster.access_log.read_text(),
            re.M,
        ), "the download was not served by A"

        # chat and Q&A: one browser on A, one on B, both in the same talk
        await _pin(visitor_b, cluster, "b")
        await _goto(visitor_a, cluster, session_path, "a")
        await _goto(visitor_b, cluster, session_path, "b")
        for visitor in (visitor_a, visitor_b):
            await visitor.page.locator("[data-chat-form]").wait_for(state="visible")
            await visitor.page.wait_for_selector("[data-chat-form] button:not([disabled])")

        # presence counts the browsers of both instances
        for visitor in (visitor_a, visitor_b):
            await visitor.page.locator("[data-presence]", has_text="2").wait_for(timeout=10_000)
        await visitor_a.page.fill("#chat-name", "Anna auf A")
        await visitor_a.page.fill("#chat-text", "Hallo von Instanz A")
        await visitor_a.page.click("[data-chat-form] button[type=submit]")
        await visitor_b.page.locator("[data-chat-log] li", has_text="Hallo von Instanz A").wait_for(
            timeout=10_000
        )
        await visitor_b.page.fill("#chat-name", "Bernd auf B")
        await visitor_b.page.fill("#chat-text", "Antwort von Instanz B")
        await visitor_b.page.click("[data-chat-form] button[type=submit]")
        await visitor_a.page.locator(
            "[data-chat-log] li", has_text="Antwort von Instanz B"
        ).wait_for(timeout=10_000)

        question = "Wie viele Kommunen nutzen das schon?"
        await visitor_b.page.fill("#qa-name", "Bernd auf B")
        await visitor_b.page.fill("#qa-body", question)
        async with visitor_b.page.expect_response(
            lambda r: r.url.endswith(f"{session_path}/questions") and r.request.method == "POST"
        ) as posted:
            await visitor_b.page.get_by_role("button", name="Frage stellen").click()
        assert cluster.instance(await posted.value) == "b"
        await visitor_a.page.locator("[data-qa-list] li", has_text=question).wait_for(
            timeout=10_000
        )
        await visitor_a.shot("chat-and-qa-on-a")
        await visitor_b.shot("chat-and-qa-on-b")
    finally:
        errors = await close_journeys(exhibitor, visitor_a, visitor_b)
    assert errors == [], errors

    # the sockets were really held by different instances (logged when they closed)
    async def both_sockets_logged() -> bool:
        return cluster.websockets(f"/ws{session_path}") == {"a", "b"}

    await poll(both_sockets_logged, 10, cluster.access_log.read_text())
    # both instances served pages, through the one URL
    logged = cluster.access_log.read_text()
    for server in cluster.servers.values():
        assert re.search(rf" {re.escape(server.base_url.removeprefix('http://'))}$", logged, re.M)
