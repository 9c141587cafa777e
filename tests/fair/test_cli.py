"""The ``fair`` command as an administrator runs it: a real process per command, on a
throwaway SQLite database, checking its help and its output."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest

from fair.cli import main
from tests.support.cli import run


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(_commands(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


ALL_COMMANDS = _commands(main)


def test_every_command_is_listed() -> None:
    assert {" ".join(c) for c in ALL_COMMANDS} >= {
        "",
        "serve",
        "demo",
        "db",
        "db upgrade",
        "user",
        "user create",
        "user invite",
        "settings",
    }


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: " ".join(c) or "fair")
def test_help_of_every_command(command: tuple[str, ...], tmp_path: Path) -> None:
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "Traceback" not in result.stderr


def test_settings_lists_every_variable_with_brackets_intact(tmp_path: Path) -> None:
    """The help of FAIR_STORAGE_URL holds ``[/prefix]``, which rich read as a closing tag."""
    result = run(["settings"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "s3://bucket[/prefix]" in result.stdout
    for line in ("FAIR_DATABASE_URL", "FAIR_STORAGE_URL", "FAIR_SECRET_KEY", "FAIR_DEBUG"):
        assert line in result.stdout
    assert "FAIR_SMTP_URL" in result.stdout  # every setting, also those added later


def test_bad_setting_is_named(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, FAIR_PORT="achttausend")
    assert result.returncode == 2
    assert "FAIR_PORT must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def _create_organiser(tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    """``fair user create`` for the organiser orga@example.org named ``name``."""
    return run(
        [
            "user", "create", "--email", "orga@example.org", "--name", name,
            "--role", "organiser", "--password", "ein-langes-passwort",
        ],
        tmp_path,
    )  # fmt: skip


def test_db_upgrade_user_create_and_invite(tmp_path: Path) -> None:
    upgraded = run(["db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Database is up to date." in upgraded.stderr

    created = _create_organiser(tmp_path, "Orga [Team]")
    assert created.returncode == 0, created.stderr
    assert "Created organiser orga@example.org." in created.stderr

    again = _create_organiser(tmp_path, "Orga")
    assert again.returncode == 1
    assert "orga@example.org" in again.stderr
    assert "Traceback" not in again.stderr

    unknown = run(
        [
            "user", "create", "--email", "a@example.org", "--name", "A", "--role", "exhibitor",
            "--organisation", "gibt-es-nicht", "--password", "ein-langes-passwort",
        ],
        tmp_path,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "unknown organisation: gibt-es-nicht" in unknown.stderr

    invited = run(
        ["user", "invite", "--email", "neu@example.org", "--role", "speaker"],
        tmp_path,
        FAIR_BASE_URL="https://fair.example.org",
    )
    assert invited.returncode == 0, invited.stderr
    assert invited.stdout.startswith("https://fair.example.org/invite/")
    assert len(invited.stdout.strip().rsplit("/", 1)[1]) >= 32


def test_demo_without_serving(tmp_path: Path) -> None:
    first = run(["demo", "--no-serve"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Demo fair created." in first.stderr
    # Every booth got a generated logo and cover, resized like uploads.
    images = tmp_path / "storage" / "images"
    booths = list(images.iterdir())
    assert len(booths) > 50
    assert {p.name for p in (booths[0] / "logo").glob("*/*")} == {
        f"{w}.{fmt}" for w in (96, 192, 384) for fmt in ("webp", "png")
    }
    assert {p.name for p in (booths[0] / "cover").glob("*/*")} == {
        f"{w}.{fmt}" for w in (640, 1280) for fmt in ("webp", "jpeg")
    }
    second = run(["demo", "--no-serve"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "demo data left as it is" in second.stderr
