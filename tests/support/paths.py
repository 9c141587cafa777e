"""Where the tests find the repository and their fixture files, wherever a test module
sits in the tree (tests/fair/, tests/sessions/live/, ...): one place instead of counting
``parent`` steps in every module."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SCHEDULE_FIXTURES = FIXTURES / "schedules"
SCHEDULE_XSD = REPO_ROOT / "sessions" / "specs" / "schedule.xml.xsd"
