"""``bench/busiest_hour.py`` refuses counts it cannot split into a load before it starts
anything: more logged-in visitors than visitors crashed the load process mid-run."""

from __future__ import annotations

import pytest

from bench import busiest_hour


def _refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        busiest_hour.main(["run", *argv])
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_more_logged_in_than_visitors_is_an_argument_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _refusal(capsys, "--visitors", "10", "--logged-in", "20")
    assert "--logged-in (20) must not exceed --visitors (10)" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--visitors", "-1", "--logged-in", "0"), "--visitors must not be negative"),
        (("--logged-in", "5", "--attendee-accounts", "0"), "--attendee-accounts"),
        (("--chat", "5", "--chat-senders", "6"), "--chat-senders (6) must not exceed"),
    ],
)
def test_other_impossible_counts_name_their_argument(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], named: str
) -> None:
    assert named in _refusal(capsys, *argv)
