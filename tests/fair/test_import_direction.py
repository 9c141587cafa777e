"""Imports point one way: the core (``fair/``) offers mechanisms and knows no domain
package; only the wiring modules (the app factory, the CLI, the migration environment)
bring the packages together. Between the domains, ``sessions`` builds on ``booths``
(programme items link to booths), never the other way round.

The modules listed as not yet moved are the work left of issue #12; the test fails when
a module not listed starts importing the wrong way, and when a listed one stops (so the
list only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT

WIRING = {"fair/app.py", "fair/cli.py", "fair/migrations/env.py"}

# Core modules that still import a domain (#12): the event's pictures and the sign-language
# video reuse the hall's upload helpers (booths.editor), which should move into fair.uploads.
CORE_NOT_YET_MOVED = {"fair/branding_views.py", "fair/sign_language.py"}

# booths modules that still use the programme's chat, archive mode and programme queries
# or the live engine (the call relay); to move behind core mechanisms (#12).
BOOTHS_NOT_YET_MOVED = {
    "booths/call_relay.py",
    "booths/call_relay_views.py",
    "booths/unread.py",
    "booths/views.py",
}


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
    assert offenders == CORE_NOT_YET_MOVED


def test_booths_do_not_import_sessions() -> None:
    assert _modules_importing("booths", {"sessions"}) == BOOTHS_NOT_YET_MOVED


def test_the_checks_see_imports() -> None:
    """The scanner itself: it finds imports at module level and inside functions."""
    assert {"booths", "sessions", "fair"} <= _imported_packages(ROOT / "fair/app.py")
    assert _modules_importing("sessions", {"booths"})
