"""Schemathesis against the real server: every operation in /api/openapi.json, generated
inputs (including hostile ones), every response checked against the description."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.app_server import AppServer

ST = Path(sys.executable).with_name("st")


@pytest.mark.slow
def test_api_conforms_to_its_openapi_description(demo_server: AppServer, tmp_path: Path) -> None:
    if not ST.exists() and shutil.which("st") is None:
        pytest.skip("schemathesis not installed")
    result = subprocess.run(
        [
            str(ST) if ST.exists() else "st",
            "run",
            f"{demo_server.base_url}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--seed",
            "2026",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,  # schemathesis keeps its example database in the working directory
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
