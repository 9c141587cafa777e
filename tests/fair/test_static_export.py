"""``fair export-static``: the archived fair as files, served by ``python -m http.server``
with no app running: no broken internal link, recordings play at a time link, axe-core
finds nothing, German and English; bad target folders are refused before writing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import lxml.html
import pytest

from fair.app import create_app
from fair.app_services import app_services
from fair.static_export import ExportError, StaticExporter, check_target
from sessions.demo_recordings import seed_demo_recordings
from tests.support.app import make_settings
from tests.support.app_server import AFTER_THE_EVENT, FIRST_MORNING
from tests.support.axe import AXE, axe_violations
from tests.support.ports import free_port

pytestmark = pytest.mark.browser


def test_export_refuses_a_non_empty_or_unwritable_folder(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("schon da")
    with pytest.raises(ExportError, match="nicht leer"):
        check_target(full)
    assert (full / "keep.txt").read_text() == "schon da"  # nothing stored is lost
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not _writable(locked):  # root writes anywhere; the check is moot then
            with pytest.raises(ExportError, match="nicht beschreibbar"):
                check_target(locked / "inner")
    finally:
        locked.chmod(0o700)
    a_file = tmp_path / "datei"
    a_file.write_text("x")
    with pytest.raises(ExportError):
        check_target(a_file)


def _writable(path: Path) -> bool:
    try:
        (path / ".probe").write_text("")
    except OSError:
        return False
    (path / ".probe").unlink()
    return True


def _broken_links(root: Path) -> list[str]:
    broken = []
    for page in root.rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        for element, _attribute, link, _pos in tree.iterlinks():
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path or link.startswith("#"):
                continue
            if not (page.parent / unquote(parts.path)).resolve().is_file():
                broken.append(f"{page.relative_to(root)} -> {link} ({element.tag})")
    return broken


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_static_export_works_without_a_server(
    demo_database_url: str, tmp_path: Path, browser: Any
) -> None:
    app = create_app(make_settings(demo_database_url, tmp_path, today=AFTER_THE_EVENT))
    target = tmp_path / "export"
    async with app.router.lifespan_context(app):
        from fair.clock import fair_now

        made = await seed_demo_recordings(
            app_services(app).db,
            app_services(app).storage,
            now=fair_now(FIRST_MORNING, "Europe/Berlin"),
        )
        assert made == 2
        steps: list[str] = []
        result = await StaticExporter(app, target, lambda url, _q: steps.append(url)).export()
    assert result.pages > 200 and result.skipped == [], result.skipped
    assert (target / "index.html").is_file() and (target / "en" / "index.html").is_file()
    assert len(list(target.rglob("*.mp4"))) == 2 and list(target.rglob("chapters.vtt"))
    # the talks' own slides (demo PDFs), copied once with their real extension
    slides = sorted(target.glob("sessions/*/materials/*/download.pdf"))
    assert len(slides) == 4 and all(p.read_bytes().startswith(b"%PDF-") for p in slides)
    recorded = next(target.glob("recordings/*/index.html")).read_text()
    assert "download.pdf" in recorded.split("data-talk-materials", 1)[1]
    assert _broken_links(target) == []
    assert "data-archive-mode" in (target / "index.html").read_text()
    assert "Recordings by day" in (target / "en" / "index.html").read_text()
    assert all('href="/login' not in p.read_text() for p in target.glob("*.html"))

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=target,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = await browser.new_context(bypass_csp=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                httpx.get(base + "/index.html")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # the latecomer's newsletter link, as the copy writes it
        stage = next(
            p for p in target.glob("recordings/*/index.html") if 'kind="chapters"' in p.read_text()
        )
        await page.goto(f"{base}/{stage.relative_to(target).as_posix()}#t=2m36s")
        for _ in range(100):
            state = await page.evaluate(
                "() => { const v = document.querySelector('video');"
                " return [v.readyState, v.currentTime,"
                " [...v.textTracks].map(t => t.cues ? t.cues.length : -1)]; }"
            )
            if state[0] >= 1 and all(c > 0 for c in state[2]):
                break
            await page.wait_for_timeout(100)
        # chapters and captions load; http.server answers no Range requests, so the
        # browser cannot seek to 2:36 here (nginx, Apache and S3 can): it plays from 0
        assert state[0] >= 1 and state[2] and min(state[2]) > 0, state
        await page.locator("video").evaluate("(v) => { v.muted = true; return v.play(); }")
        await page.wait_for_timeout(1200)
        assert await page.locator("video").evaluate("(v) => v.currentTime") > 0.3
        chapter_links = await page.locator("a[data-seek]").evaluate_all(
            "(links) => links.map((a) => a.getAttribute('href'))"
        )
        assert chapter_links[1].endswith("index.html#t=180"), chapter_links
        assert not errors, errors
        if AXE.exists():
            problems = {}
            for path in ["index.html", "programme/index.html", "recordings/index.html",
                         stage.relative_to(target).as_posix(), "en/index.html"]:  # fmt: skip
                await page.goto(f"{base}/{path}")
                violations = await axe_violations(page)
                if violations:
                    problems[path] = violations
            assert problems == {}
    finally:
        await context.close()
        server.terminate()
        server.wait(5)
