"""The pinned aiortc / aioice / pylibsrtp still have every private attribute the live
engine uses (sessions/live/internals.py lists them all); an upgrade that moves one fails
here, not in the middle of a talk."""

from __future__ import annotations

import re

from sessions.live.internals import USES, missing_private_api
from tests.support.paths import REPO_ROOT

LIVE = REPO_ROOT / "sessions" / "live"


async def test_every_private_attribute_used_still_exists() -> None:
    assert await missing_private_api() == []


def test_the_list_names_every_use_in_the_engine() -> None:
    """Each listed attribute appears in the file the list names (no stale entries), and
    every mangled aiortc attribute the engine reaches is listed (no forgotten ones)."""
    for where, _, name in USES:
        text = (LIVE.parents[1] / where if "/" in where else LIVE / where).read_text()
        short = name.split("__", 1)[1] if name.startswith("_RTCRtpSender__") else name
        assert short in text, f"{where} does not use {name}: remove it from USES"
    listed = {name for _, _, name in USES}
    for path in LIVE.glob("*.py"):
        text = path.read_text()
        for mangled in re.findall(r"_[A-Z]\w+__\w+", text):
            assert mangled in listed or path.name == "internals.py", (path.name, mangled)
        # names built at run time: getattr(sender, _SENDER_PREFIX + "stats")
        for built in re.findall(r'_SENDER_PREFIX \+ "(\w+)"', text):
            assert f"_RTCRtpSender__{built}" in listed, (path.name, built)
