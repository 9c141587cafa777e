"""FAIR_LIVE_LOOPBACK_ICE: the development setting for WebRTC on a loopback-only machine.
Off by default, refused in production mode with a message naming it (also by
``fair serve`` at start-up), and what the live tests and benchmarks run with."""

from __future__ import annotations

from pathlib import Path

import pytest

from fair.settings import Settings, SettingsError
from tests.support.cli import run


def test_off_by_default() -> None:
    assert Settings.from_env({}).live_loopback_ice is False
    assert Settings.from_env({"FAIR_LIVE_LOOPBACK_ICE": "true"}).live_loopback_ice is True


@pytest.mark.parametrize(
    "production",
    [
        {"FAIR_SECURE_COOKIES": "true"},
        {"FAIR_BASE_URL": "https://messe.example.org"},
        {"FAIR_HOST": "0.0.0.0"},
    ],
)
def test_refused_in_production_mode(production: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=r"FAIR_LIVE_LOOPBACK_ICE .*refused in production"):
        Settings.from_env({"FAIR_LIVE_LOOPBACK_ICE": "1", **production})
    assert Settings.from_env(production).production_mode  # fine without the setting


def test_fair_serve_refuses_to_start_with_it_in_production_mode(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, FAIR_LIVE_LOOPBACK_ICE="true", FAIR_SECURE_COOKIES="true")
    assert result.returncode != 0
    assert "FAIR_LIVE_LOOPBACK_ICE" in result.stderr and "production" in result.stderr
    assert "Traceback" not in result.stderr
