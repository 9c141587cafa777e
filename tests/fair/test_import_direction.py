"""Imports point one way: the core (``fair/``) offers mechanisms and knows no domain
package; only the wiring modules (the app factory, the CLI, the migration environment)
bring the packages together. Between the domains, ``sessions`` builds on ``booths``
(programme items link to booths), never the other way round.

What one domain shows in another's pages is joined in the app factory (the booth page's
"Im Programm" section, :mod:`booths.page_sections`); what both use lives in the core
(uploads, chat, archive mode, WebRTC helpers in :mod:`fair.rtc`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT

WIRING = {"fair/app.py", "fair/cli.py", "fair/migrations/env.py"}


def _imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports anywhere (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules_importing(package: str, wanted: set[str]) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / package).rglob("*.py")
        if _imported_packages(path) & wanted
    }


def test_core_imports_no_domain_outside_the_wiring_modules() -> None:
    offenders = _modules_importing("fair", {"booths", "sessions"}) - WIRING
    assert offenders == set()


def test_booths_do_not_import_sessions() -> None:
    assert _modules_importing("booths", {"sessions"}) == set()


def test_the_checks_see_imports() -> None:
    """The scanner itself: it finds imports at module level and inside functions."""
    assert {"booths", "sessions", "fair"} <= _imported_packages(ROOT / "fair/app.py")
    assert _modules_importing("sessions", {"booths"})
