"""The ``fair`` command run as an administrator runs it: a real process with a clean
``FAIR_*`` environment on a throwaway SQLite database (tests of the CLI and of settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAIR_")} | {
        "FAIR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "FAIR_STORAGE_URL": f"file://{tmp_path / 'storage'}",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [*FAIR, *args], capture_output=True, text=True, env=environ, timeout=120, check=False
    )


FAIR = [sys.executable, "-m", "fair.cli"]
