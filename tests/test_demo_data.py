"""The demo fair data is consistent: counts, slugs, references and the schedule."""

from __future__ import annotations

import os
import subprocess
import sys

from fair import demo_data


def test_validate_reports_no_problems() -> None:
    assert demo_data.validate() == []


def test_counts() -> None:
    assert len(demo_data.BOOTHS) >= 70
    assert len(demo_data.SESSIONS) >= 30
    assert len(demo_data.DAYS) == 5
    assert len({d.host for d in demo_data.DAYS}) == 5


def test_data_is_deterministic_across_interpreters() -> None:
    code = (
        "import hashlib; from fair import demo_data as d; "
        "print(hashlib.sha256(repr((d.ORGANISATIONS, d.BOOTHS, d.SESSIONS, d.USERS))"
        ".encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1
