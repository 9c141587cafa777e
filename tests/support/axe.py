"""axe-core (from node_modules, never a CDN) injected into a Chromium page: the WCAG 2.1
A/AA violations it reports, shared by every browser test that checks a page.

The script is evaluated over the DevTools protocol, which the page's Content Security
Policy does not govern: pages opened in contexts the test cannot give ``bypass_csp``
(a live stage set up by a shared helper) are checked with their real policy in force."""

from __future__ import annotations

from typing import Any

from tests.support.paths import REPO_ROOT

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now (axe is injected unless a
    context's init script already put it into every page: then no 500 KB per page)."""
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
             resultTypes: ['violations']})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


async def axe_problems(page: Any, base_url: str, paths: list[str], language: str) -> dict[str, Any]:
    """axe-core's violations per path, for pages other test files check."""
    problems = {}
    for path in paths:
        await page.goto(f"{base_url}{path}?lang={language}")
        violations = await axe_violations(page)
        if violations:
            problems[path] = violations
    return problems
