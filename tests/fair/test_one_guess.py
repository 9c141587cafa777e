"""A newcomer finds the code of any URL in one guess: the view module is named for the URL.

The rule (docs/layout.md): split the endpoint module's name at ``_`` and drop the word
``views``; a package's own ``views.py`` counts as the package's name. Split the URL's fixed
segments (not the ``{parameters}``) at ``/``, ``-``, ``_`` and ``.``. At least one word of
the module must name a word of the URL, where plural equals singular, a word may be the
start of the other (``edit`` and ``editor``), and ``ws`` counts as ``socket``. A package's
own ``views.py`` is named by the package's noun alone, and every URL under the package
has that noun, so there *every* word of the URL must be it: ``/sessions/{id}`` may come from
``sessions/views.py``, ``/sessions/{id}/questions`` may not (a newcomer guesses a
``question`` module). The JSON API (``/api/…``) is served by an ``api`` module and only by
one. So ``/recordings/{id}`` is served from ``sessions/recording_views.py``,
``/booths/{slug}`` from ``booths/views.py``, ``/sessions/{id}/questions/{id}/vote`` from
``sessions/question_views.py`` and ``/ws/sessions/{id}`` from ``sessions/sockets.py``.

Routes that break the rule for a reason are listed in :data:`EXCEPTIONS`, each with the
reason. A new route that breaks the rule fails this test until it is renamed or listed;
an exception that no longer matches any route fails too, so the table stays short.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from fair.app import create_app
from fair.settings import Settings

#: (endpoint module, URL pattern) → why this module serves URLs not named after it.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("fair.views", r"/(healthz|login|logout|invite/\{token\}|lang/\{code\}|organiser)"): (
        "the core's one-word pages (health check, log in and out, invitation, language, "
        "the organisers' start page): each a few lines, none with a feature of its own"
    ),
    ("fair.people_views", r"/(setup/\{token\}|password/forgot|reset/\{token\})"): (
        "one-time links of accounts (first set-up, password reset) are issued and "
        "redeemed beside the people page that makes them, with the same password checks"
    ),
    (
        "fair.legal_views",
        r"/(impressum|datenschutz|barrierefreiheit|leichte-sprache|gebaerdensprache)",
    ): "legal pages have German addresses by law and custom; the module is named in English",
    ("fair.sign_language", r"(/organiser/legal)?/gebaerdensprache/video"): (
        "German address of the sign-language page (BITV 2.0); the module says it in English"
    ),
    ("booths.appointment_views", r"/booths/\{slug\}/slots.*"): (
        "slots are the exhibitor's side of appointments: offered where they are booked"
    ),
    ("booths.views", r"/booths/\{slug\}/(contact|images/.+|materials/\{material_id\}/download)"): (
        "the booth page's own parts: the contact form on the page posts here, and the "
        "pictures and downloads it shows are served beside it; none has a page of its own"
    ),
    ("sessions.views", r"/|/programme|/agenda|/schedule\.\{ext\}"): (
        "the programme's public pages: the package `sessions` is the programme, and `/` is "
        "its home page"
    ),
}

#: Synonyms of URL words: a WebSocket address names the module's socket.
SYNONYMS = {"ws": "socket"}


def _words(text: str) -> list[str]:
    return [SYNONYMS.get(word, word) for word in re.split(r"[/\-_.]+", text.lower()) if word]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _same(a: str, b: str) -> bool:
    a, b = _singular(a), _singular(b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)


def url_words(path: str) -> list[str]:
    """The words of the path's fixed segments; ``{parameters}`` say nothing about a noun."""
    return _words(re.sub(r"\{[^}]*\}", "/", path))


def module_words(module: str) -> list[str]:
    """The words naming a view module: ``sessions.recording_views`` → ``recording``."""
    package, *_, name = module.split(".")
    if name == "views":
        return [package]
    return [word for word in name.split("_") if word != "views"]


def follows_rule(path: str, module: str) -> bool:
    if path.startswith("/api/") or module.split(".")[-1] == "api":
        return path.startswith("/api/") and module.split(".")[-1] == "api"
    words = url_words(path)
    if module.split(".")[-1] == "views":
        # the package's noun is in all its URLs: only URLs of that noun alone are named by it
        (package,) = module_words(module)
        return bool(words) and all(_same(package, u) for u in words)
    return any(_same(m, u) for m in module_words(module) for u in words)


def exception_for(path: str, module: str) -> tuple[str, str] | None:
    for key in EXCEPTIONS:
        listed_module, pattern = key
        if listed_module == module and re.fullmatch(pattern, path):
            return key
    return None


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, endpoint module) of every route, Mounts walked."""
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                yield from endpoints(list(route.routes), prefix + route.path)
        elif isinstance(route, Route | WebSocketRoute):
            yield prefix + route.path, inspect.unwrap(route.endpoint).__module__
        else:
            raise AssertionError(f"unknown route type {route!r}")


@pytest.fixture
def routes(tmp_path: Path) -> list[tuple[str, str]]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        storage_url=f"file://{tmp_path / 'storage'}",
        spool_dir=str(tmp_path / "spool"),
        secret_key="test-secret-key-not-for-production",
    )
    return list(endpoints(create_app(settings).routes))


def test_every_route_is_served_by_the_module_its_url_names(
    routes: list[tuple[str, str]],
) -> None:
    broken = [
        f"{path} -> {module}"
        for path, module in routes
        if not follows_rule(path, module) and exception_for(path, module) is None
    ]
    assert not broken, (
        "rename the view module after the URL's noun (or list it in EXCEPTIONS with a "
        "reason):\n" + "\n".join(broken)
    )


def test_every_exception_is_still_needed(routes: list[tuple[str, str]]) -> None:
    used = {
        exception_for(path, module) for path, module in routes if not follows_rule(path, module)
    }
    assert set(EXCEPTIONS) <= used, f"no longer needed: {sorted(set(EXCEPTIONS) - used)}"


@pytest.mark.parametrize(
    ("path", "module", "expected"),
    [
        ("/recordings/{recording_id}", "sessions.recording_views", True),
        ("/booths/{slug}", "booths.views", True),
        ("/booths/{slug}/edit", "booths.booth_edit_views", True),
        ("/ws/sessions/{session_id}", "sessions.sockets", True),
        ("/api/sessions", "sessions.api", True),
        ("/organiser/audit", "fair.audit_views", True),
        ("/contact-requests/withdraw/{token}", "booths.withdrawal", True),
        # what the rule exists to catch
        ("/organiser/audit", "fair.people_views", False),
        ("/speaker", "sessions.appearances", False),
        ("/exhibitor", "booths.dashboard", False),
        ("/api/sessions", "sessions.views", False),
        ("/sessions/{session_id}", "booths.views", False),
        # the package's word alone names only the package's noun
        ("/sessions/{session_id}", "sessions.views", True),
        ("/sessions/{session_id}/questions", "sessions.views", False),
        ("/sessions/{session_id}/questions", "sessions.question_views", True),
        ("/sessions/{session_id}/questions/{question_id}/vote", "sessions.views", False),
        ("/sessions/{session_id}/questions/{question_id}/vote", "sessions.question_views", True),
        ("/sessions/{session_id}/questions/{question_id}/faq", "sessions.views", False),
        ("/sessions/{session_id}/questions/{question_id}/faq", "sessions.question_views", True),
        ("/booths/{slug}/contact", "booths.views", False),
        ("/", "sessions.views", False),
    ],
)
def test_the_rule(path: str, module: str, expected: bool) -> None:
    assert follows_rule(path, module) is expected
