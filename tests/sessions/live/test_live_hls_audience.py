"""HLS viewers are counted in the page's viewer figure from the players' status polls,
though their media comes from storage or a CDN (``FAIR_MEDIA_BASE_URL``), never the app."""

from __future__ import annotations

from pathlib import Path

from sessions.live.hls_audience import HlsAudience
from tests.support.hls_helpers import hls_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_tab_counts_once_while_it_polls_and_is_forgotten_after_the_window() -> None:
    clock = Clock()
    audience = HlsAudience(window=30, clock=clock)
    for _ in range(10):  # one tab polling every 3 s is one viewer
        audience.seen(7, "tab-aaaaaaaa")
        clock.now += 3
    audience.seen(7, "tab-bbbbbbbb")
    audience.seen(8, "tab-cccccccc")
    assert audience.count(7) == 2 and audience.count(8) == 1 and audience.count(9) == 0
    clock.now += 20  # a stopped a's last poll is 23 s old: still within the window
    assert audience.count(7) == 2
    clock.now += 10  # 33 s: a left; b (30 s) is at the edge and still counts
    assert audience.count(7) == 1
    clock.now += 1
    assert audience.count(7) == 0 and audience.count(8) == 0


def test_bad_tokens_are_ignored_and_memory_is_bounded() -> None:
    audience = HlsAudience(max_tokens=3)
    for token in ("", "short", "x" * 41, "../../etc/passwd", "a b c d e f g h", "<script>x"):
        audience.seen(1, token)
    assert audience.count(1) == 0
    for index in range(10):
        audience.seen(1, f"flood-{index:04d}")
    assert audience.count(1) == 3


async def test_status_counts_hls_players_with_a_media_base_url(
    demo_database_url: str, tmp_path: Path
) -> None:
    async with hls_app(
        demo_database_url, tmp_path, media_base_url="https://cdn.example.org/fair"
    ) as hls:
        client = hls.client
        url = f"/sessions/{hls.session_id}/live"
        status = (await client.get(url)).json()
        assert status["hls_url"].startswith("https://cdn.example.org/fair/live/")
        assert status["viewers"] == 0 and status["hls_viewers"] == 0
        for token in ("tab-11111111", "tab-22222222", "tab-11111111"):
            response = await client.get(url, params={"hls": token})
            assert response.status_code == 200
        status = (await client.get(url)).json()  # a WebRTC viewer's or anyone's poll
        assert status["hls_viewers"] == 2 and status["viewers"] == 2
        bad = await client.get(url, params={"hls": "../x"})
        assert bad.status_code == 200 and bad.json()["hls_viewers"] == 2
