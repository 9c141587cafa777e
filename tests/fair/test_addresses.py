"""The core's registry of the domains' addresses and labels (:mod:`fair.addresses`,
:meth:`fair.templating.Templates.add_labels`): the core knows only its own paths, the app
factory has each domain add its own, and a label given twice differently is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from fair.addresses import Addresses, PathPatterns
from fair.app import create_app
from fair.app_services import app_services
from fair.templating import Templates
from tests.support.app import make_settings


def test_patterns_match_from_the_start_and_grow() -> None:
    patterns = PathPatterns(r"/a(/|$)")
    assert patterns.match("/a/b") and not patterns.match("/x/a")
    assert not patterns.match("/b")
    patterns.add(r"/b$")
    assert patterns.match("/b") and not patterns.match("/b/c")
    assert not PathPatterns().match("/")  # none registered: nothing matches


def test_the_core_alone_knows_no_domain_path() -> None:
    core = Addresses()
    assert core.unscoped.match("/organiser/people") and core.detail.match("/ws/x")
    assert not core.detail.match("/booths/krz") and not core.detail.match("/sessions/3")
    assert not core.exported.match("/programme") and core.exported.match("/")
    assert core.export_start == ["/"] and core.export_extension("/booths/x/logo") is None


def test_the_app_factory_registers_each_domains_addresses(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path))
    addresses = app_services(app).addresses
    assert addresses.unscoped.match("/booths/krz/edit")
    assert not addresses.unscoped.match("/booths/krz")
    assert addresses.detail.match("/booths/krz") and addresses.detail.match("/sessions/3/live")
    assert addresses.exported.match("/sessions/3/recordings/4")
    assert not addresses.exported.match("/sessions/3/live")
    assert addresses.export_start[:3] == ["/", "/booths", "/programme"]
    assert addresses.export_extension("/sessions/3/recordings/4") == ".mp4"
    assert addresses.export_extension("/booths/krz/logo") == ".img"
    labels = app_services(app).templates.labels
    assert labels["booth"] == "Stand" and labels["session"] == "Programmpunkt"


def test_a_label_given_twice_differently_is_refused(tmp_path: Path) -> None:
    templates = Templates(make_settings("sqlite+aiosqlite://", tmp_path))
    templates.add_labels({"booth": "Stand"})
    templates.add_labels({"booth": "Stand"})  # the same text again is fine
    with pytest.raises(ValueError, match="booth"):
        templates.add_labels({"booth": "Messestand"})
