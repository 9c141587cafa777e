"""The demo fair data is consistent: counts, slugs, references and the schedule.

It lives in TOML files next to the domains that own it; these tests also prove that the
loader reads nothing at import time, gives the same fair on every load, and names the
file, the entry and the field when the data is wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from booths.demo import load_booths
from fair.demo import DemoDataError
from fair.demo.core import load_core
from sessions.demo import load_programme
from sessions.demo.whole_fair import DemoFair, load_demo_fair, validate
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def demo() -> DemoFair:
    return load_demo_fair()


def test_validate_reports_no_problems(demo: DemoFair) -> None:
    assert validate(demo) == []


def test_counts(demo: DemoFair) -> None:
    assert len(demo.booths) >= 70
    assert len(demo.sessions) >= 30
    assert len(demo.days) == 5
    assert len({d.host for d in demo.days}) == 5


def test_two_loads_give_the_same_fair(demo: DemoFair) -> None:
    again = load_demo_fair()
    assert again == demo
    assert again is not demo
    # The generated parts too: every booth has contacts, and they did not move on.
    assert [b.contacts for b in again.booths] == [b.contacts for b in demo.booths]


def test_data_is_deterministic_across_interpreters() -> None:
    code = (
        "import hashlib; from sessions.demo.whole_fair import load_demo_fair; "
        "d = load_demo_fair(); "
        "print(hashlib.sha256(repr((d.organisations, d.booths, d.sessions, d.users))"
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


def test_importing_reads_no_data_file() -> None:
    """An audit hook sees every file opened: importing opens no TOML, loading does."""
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) "
        "if event == 'open' and str(args[0]).endswith('.toml') else None)\n"
        "import fair.demo, fair.demo.core, fair.seed, booths.demo, booths.demo.seed\n"
        "import sessions.demo, sessions.demo.seed, sessions.demo.whole_fair\n"
        "print(len(opened))\n"
        "sessions.demo.whole_fair.load_demo_fair()\n"
        "print(len(opened))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "0"
    assert int(out[1]) >= 9  # every data file of the three domains was read on load


def test_data_files_are_package_data() -> None:
    """The files ship with the package: pyproject's package-data pattern covers them."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"demo/*.toml"' in pyproject
    for folder in ("fair/demo", "booths/demo", "sessions/demo"):
        assert list((ROOT / folder).glob("*.toml")), folder


def _copy(folder: str, tmp_path: Path) -> Path:
    target = tmp_path / folder
    shutil.copytree(ROOT / folder, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _days() -> list[date]:
    return [d.date for d in load_core().days]


@pytest.mark.parametrize(
    ("folder", "file", "old", "new", "message"),
    [
        (
            "booths/demo",
            "booths.toml",
            'kind = "pdf"',
            'kind = "fax"',
            "booths/demo/booths.toml: booth 15 ('ge-kommunalportal'), material 1: "
            "field 'kind' is 'fax', expected one of: pdf, slides, video, document, image, link",
        ),
        (
            "booths/demo",
            "booths.toml",
            "day = 2026-11-30",
            "day = 2026-12-24",
            "booths/demo/booths.toml: booth 1 ('ge-buerger-app'): day 2026-12-24 is not one of",
        ),
        (
            "booths/demo",
            "booths.toml",
            'tagline = "Ein Login',
            'tag_line = "Ein Login',
            "booths/demo/booths.toml: booth 1 ('ge-buerger-app'): field 'tagline' is missing",
        ),
        (
            "booths/demo",
            "generated.toml",
            "at_booth_share = 0.4",
            'at_booth_share = "often"',
            "booths/demo/generated.toml: field 'at_booth_share' must be a number, got 'often'",
        ),
        (
            "booths/demo",
            "booths.toml",
            '[[booth]]\nslug = "ge-buerger-app"',
            '[[booth]\nslug = "ge-buerger-app"',
            "booths/demo/booths.toml: not valid TOML",
        ),
        (
            "sessions/demo",
            "sessions.toml",
            'speakers = ["wellmann"]',
            'speakers = ["wellman"]',
            "sessions/demo/sessions.toml: session 1 "
            "('tag1-grusswort-der-gastgebenden-region-gelsenkirchen'): "
            "speaker 'wellman' is not in speakers.toml",
        ),
        (
            "sessions/demo",
            "sessions.toml",
            "minutes = 15",
            'minutes = "15"',
            "sessions/demo/sessions.toml: session 1 "
            "('tag1-grusswort-der-gastgebenden-region-gelsenkirchen'): "
            "field 'minutes' must be a whole number, got '15'",
        ),
        (
            "sessions/demo",
            "sessions.toml",
            'language = "de"',
            'language = "de"\nlanguge = "en"',
            "field(s): languge",
        ),
    ],
)
def test_bad_data_is_refused_naming_file_entry_and_field(
    tmp_path: Path, folder: str, file: str, old: str, new: str, message: str
) -> None:
    copy = _copy(folder, tmp_path)
    _edit(copy / file, old, new)
    load: Callable[[], object] = (
        (lambda: load_booths(_days(), copy))
        if folder == "booths/demo"
        else (lambda: load_programme(_days(), copy))
    )
    with pytest.raises(DemoDataError) as caught:
        load()
    assert message in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    copy = _copy("fair/demo", tmp_path)
    (copy / "accounts.toml").unlink()
    with pytest.raises(DemoDataError, match=r"fair/demo/accounts.toml: file is missing"):
        load_core(copy)


def test_bad_enum_value_names_the_models_values(tmp_path: Path) -> None:
    copy = _copy("fair/demo", tmp_path)
    _edit(copy / "accounts.toml", 'role = "organiser"', 'role = "admin"')
    with pytest.raises(DemoDataError) as caught:
        load_core(copy)
    assert "fair/demo/accounts.toml: account 1 ('orga@example.org'): field 'role'" in str(
        caught.value
    )
    assert "organiser, exhibitor, speaker, attendee" in str(caught.value)


def test_references_across_domains_are_checked_on_load(demo: DemoFair) -> None:
    """What one domain's file names in another's (an organisation, a booth) must exist."""
    booth = replace(demo.booths[0], org="nirgendwo")
    session = replace(demo.sessions[0], booths=("kein-stand",))
    broken = replace(demo, booths=(booth, *demo.booths[1:]), sessions=(session, *demo.sessions[1:]))
    problems = validate(broken)
    assert "booth ge-buerger-app: unknown organisation 'nirgendwo'" in problems
    assert f"session {session.slug}: unknown booth 'kein-stand'" in problems
