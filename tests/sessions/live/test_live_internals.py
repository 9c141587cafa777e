"""The pinned aiortc / aioice / pylibsrtp still have every private attribute the live
engine, the load generators and the benchmarks use (sessions/live/internals.py lists them
all); an upgrade that moves one fails here, not in the middle of a talk or a benchmark."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from sessions.live.internals import USES, missing_private_api
from tests.support.paths import REPO_ROOT

LIBRARIES = ("aiortc", "aioice", "pylibsrtp")
# Everywhere the project's code runs: the app packages, the test helpers, the benchmarks.
SCANNED = ("fair", "booths", "sessions", "tests/support", "bench")
# Private names the libraries also define, used here on the project's own objects.
OWN_OBJECTS = {
    ("bench/live_join_burst.py", "_origin"),  # sessions.live.recorder.SlotRecorder._origin
}

_ATTRIBUTE = re.compile(r"(\w+)?\.(_[A-Za-z]\w*)\b")
_BY_NAME = re.compile(r"""\b(?:getattr|hasattr|setattr)\((\w+)[^,]*,\s*["'](_\w+)["']""")
_MANGLED = re.compile(r"\b_[A-Z]\w+__\w+")
_PRIVATE_MODULE = re.compile(rf"\b((?:{'|'.join(LIBRARIES)})(?:\.\w+)*\._\w+)")
_DEFINED = (
    re.compile(r"self\.(_\w+)\s*[:=]"),
    re.compile(r"^\s*(?:async\s+)?def\s+(_\w+)", re.M),
    re.compile(r"^\s*(_\w+)\s*[:=]", re.M),
    re.compile(r"^\s*class\s+(_\w+)", re.M),
)


def _defined(text: str) -> set[str]:
    """Private names a module defines itself (attributes, functions, module names)."""
    return {name for pattern in _DEFINED for name in pattern.findall(text)}


def _library_private_names() -> set[str]:
    """Every private name the installed libraries define: the attributes a use could hit."""
    names: set[str] = set()
    for library in LIBRARIES:
        spec = importlib.util.find_spec(library)
        assert spec is not None and spec.origin is not None, library
        for path in Path(spec.origin).parent.rglob("*.py"):
            names |= _defined(path.read_text())
    return {name for name in names if not name.endswith("__")}


def _where(where: str) -> str:
    """USES names engine files by their name in sessions/live, others from the root."""
    return where if "/" in where else f"sessions/live/{where}"


def _private_uses(path: Path, library_names: set[str]) -> set[str]:
    """The libraries' private names this file reaches (attribute, getattr, mangled name,
    private module), leaving out ``self._x`` where the file defines ``_x`` itself."""
    text = path.read_text()
    own = _defined(text)
    found = set(_MANGLED.findall(text)) | set(_PRIVATE_MODULE.findall(text))
    for pattern in (_ATTRIBUTE, _BY_NAME):
        for owner, name in pattern.findall(text):
            if name in library_names and not (owner in ("self", "cls") and name in own):
                found.add(name)
    return found


async def test_every_private_attribute_used_still_exists() -> None:
    assert await missing_private_api() == []


def test_the_list_names_every_use() -> None:
    """Each listed attribute appears in the file the list names (no stale entries), and
    every private aiortc/aioice/pylibsrtp name reached in the app packages, the test
    helpers or the benchmarks is listed for its file (no forgotten ones)."""
    listed: dict[str, set[str]] = {}
    for where, kind, name in USES:
        text = (REPO_ROOT / _where(where)).read_text()
        short = name.split("__", 1)[1] if re.match(r"_[A-Z]\w+__", name) else name
        assert short in text, f"{where} does not use {name}: remove it from USES"
        listed.setdefault(_where(where), set()).update({name, kind})
    library_names = _library_private_names()
    assert {"_connection", "_protocols", "_nominated"} <= library_names  # the scan sees them
    missing = []
    for folder in SCANNED:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if relative == "sessions/live/internals.py" or "migrations" in path.parts:
                continue
            for name in _private_uses(path, library_names):
                if (relative, name) not in OWN_OBJECTS and name not in listed.get(relative, ()):
                    missing.append(f"{relative}: {name}")
    assert missing == [], f"add to USES in sessions/live/internals.py: {sorted(missing)}"
    # names built at run time: getattr(sender, _SENDER_PREFIX + "stats")
    for path in (REPO_ROOT / "sessions" / "live").glob("*.py"):
        for built in re.findall(r'_SENDER_PREFIX \+ "(\w+)"', path.read_text()):
            assert f"_RTCRtpSender__{built}" in listed.get(
                path.relative_to(REPO_ROOT).as_posix(), ()
            ), (path.name, built)
