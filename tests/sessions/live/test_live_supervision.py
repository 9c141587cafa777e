"""Faults mid-talk with real processes (``fair serve``, its media worker, aiortc peers):

* only the live media worker is killed (SIGKILL): the app restarts it by itself within
  seconds, says so (log line, status), the speaker publishes again into the same talk and
  viewers get video again;
* the whole app is killed (SIGKILL) and started again: the talk is not left "live", and
  when the speaker publishes again the talk still gives ONE recording.

In both cases the talk's parts are joined into one MP4 (frame stamps from both parts, in
order) and one VOD playlist with a discontinuity between the parts.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import psutil
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from fair.app import create_app
from fair.app_services import app_services
from fair.formatting import to_local
from sessions.live.archive import OVERDUE_CHECK_SECONDS
from sessions.live.engine import RESTARTING_MESSAGE
from sessions.live.ice import allow_loopback_candidates
from sessions.states import RESUME_GRACE
from tests.support.app import TemplateDatabases, make_settings
from tests.support.app_server import AppServer, start_app_server
from tests.support.journey_helpers import poll
from tests.support.live_helpers import csrf_in_page, media_worker_pids
from tests.support.live_speaker import StageSpeaker, watch_over_http
from tests.support.loadgen import ProbeViewer
from tests.support.realtime import Instance
from tests.support.stage import ORGANISER, recordings_of, speaker_session
from tests.support.synthetic import read_stamp

pytestmark = [pytest.mark.slow]
SPEAKER = "henning.wiebusch@example.org"


async def _until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll a blocking ``check`` in a thread: the test's own peers share this event loop."""
    return await poll(lambda: asyncio.to_thread(check), timeout, f"not within {timeout} s: {what}")


async def _watch(base_url: str, session_id: int) -> ProbeViewer:
    """An anonymous viewer; returns once it has received 30 video frames."""
    viewer = await watch_over_http(base_url, session_id)
    await _until(lambda: viewer.report()["video_frames"][0] >= 30, "viewer gets video", 40)
    return viewer


def _status(base_url: str, session_id: int) -> dict[str, Any]:
    response = httpx.get(f"{base_url}/sessions/{session_id}/live", timeout=10)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _live_state(db_path: Path, session_id: int) -> str:
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT live_state FROM programme_sessions WHERE id = ?", (session_id,)
        ).fetchone()
    return str(row[0])


async def _segments_listed(base_url: str, session_id: int, at_least: int) -> None:
    base = f"{base_url}/sessions/{session_id}/hls"

    def listed() -> bool:
        master = httpx.get(f"{base}/master.m3u8")
        if master.status_code != 200:
            return False
        seat = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
        playlist = httpx.get(f"{base}/{seat}").text
        return sum(line.endswith(".m4s") for line in playlist.splitlines()) >= at_least

    await _until(listed, f"{at_least} segments listed", 40)


def _check_joined_recording(
    server: AppServer, tmp_path: Path, row: tuple[str, str, float], sent: list[float]
) -> None:
    """One MP4 with both parts in order, one VOD playlist naming both parts' segments."""
    storage_key, playlist_key, duration = row
    first_part, second_part = sent
    # each part keeps all but the segment open when it stopped (< 2.6 s)
    assert duration >= first_part + second_part - 2 * 2.6 - 1.0, (duration, sent)
    playlist = httpx.get(
        f"{server.base_url}/sessions/{playlist_key.split('/')[1]}/hls/"
        + "/".join(playlist_key.split("/")[2:])
    ).text
    assert playlist.count("#EXT-X-DISCONTINUITY") == 1, playlist
    assert playlist.count("#EXT-X-MAP") == 2 and playlist.rstrip().endswith("#EXT-X-ENDLIST")
    with av.open(str(tmp_path / "storage" / storage_key)) as container:
        stamps = [stamp for frame in container.decode(video=0) if (stamp := read_stamp(frame))]
    sent_ms = [sent_at for _, sent_at in stamps]
    assert sent_ms == sorted(sent_ms), "frames of the two parts are out of order"
    gaps = [b - a for a, b in itertools.pairwise(sent_ms)]
    restarts = [i for i, (a, b) in enumerate(itertools.pairwise(stamps)) if b[0] < a[0]]
    assert len(restarts) == 1, "the second part's frame counter starts once"
    join = restarts[0]
    assert gaps[join] > 500  # the interruption itself is not in the recording
    assert (sent_ms[join] - sent_ms[0]) / 1000 >= first_part - 2.6 - 1.0
    assert (sent_ms[-1] - sent_ms[join + 1]) / 1000 >= second_part - 2.6 - 1.0


@pytest_asyncio.fixture
async def talk(template_databases: TemplateDatabases) -> tuple[str, Path, int]:
    """A seeded database (URL and file) and a recorded talk of the speaker's."""
    allow_loopback_candidates()  # this test process's own peers
    url = await template_databases.sqlite(seeded=True)
    db_path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    return url, db_path, speaker_session(db_path, SPEAKER)


def _serve(url: str, tmp_path: Path, session_id: int) -> tuple[AppServer, StageSpeaker]:
    """``fair serve`` on the talk's database (again), and the speaker logged in to it."""
    server = start_app_server(tmp_path, url)
    return server, StageSpeaker(server.base_url, session_id, SPEAKER)


async def test_killed_media_worker_is_restarted_and_the_talk_continues_in_one_recording(
    talk: tuple[str, Path, int], tmp_path: Path
) -> None:
    url, db_path, session_id = talk
    server, speaker = _serve(url, tmp_path, session_id)
    viewers: list[ProbeViewer] = []
    try:
        await speaker.publish()
        viewers.append(await _watch(server.base_url, session_id))
        await _segments_listed(server.base_url, session_id, 3)
        started = time.monotonic() - 3 * 1.5  # three segments (>= 1.5 s each) recorded
        before = _status(server.base_url, session_id)
        assert before["state"] == "live" and before["worker_restarts"] == 0
        [old_worker] = media_worker_pids(server)

        os.kill(old_worker, signal.SIGKILL)
        killed = time.monotonic()
        # restarted by the app itself, within seconds, and visible in the status and log
        status = await _until(
            lambda: (s := _status(server.base_url, session_id))["worker_restarts"] == 1 and s,
            "worker restarted",
            15,
        )
        assert time.monotonic() - killed < 10
        assert status["generation"] != before["generation"]
        assert status["state"] == "interrupted", status  # until the speaker is back
        [new_worker] = await _until(lambda: media_worker_pids(server), "new worker process", 10)
        assert new_worker != old_worker
        assert "live media worker restarted" in server.log()
        assert _live_state(db_path, session_id) == "paused"  # not "live" with nobody sending
        assert recordings_of(db_path, session_id) == []  # the part waits for the talk's end

        await speaker.publish()  # the stage page's script publishes again by itself
        assert _status(server.base_url, session_id)["state"] == "live"
        assert _live_state(db_path, session_id) == "live"
        viewers.append(await _watch(server.base_url, session_id))  # video again
        resumed = time.monotonic()  # media flows again (on a busy machine not at once)
        await asyncio.sleep(6)

        ending = time.monotonic()
        ended = await speaker.end()
        assert ended.status_code == 200, ended.text
        assert _live_state(db_path, session_id) == "ended"
        rows = await _until(lambda: recordings_of(db_path, session_id), "recording stored", 60)
        await asyncio.sleep(1.0)  # a second row would be stored right after the first
        rows = recordings_of(db_path, session_id)
        assert len(rows) == 1, rows
        _check_joined_recording(server, tmp_path, rows[0], [killed - started, ending - resumed])
    finally:
        for viewer in viewers:
            await viewer.close()
        await speaker.close()
        server.stop()


async def test_whole_app_killed_mid_talk_gives_one_recording_after_the_restart(
    talk: tuple[str, Path, int], tmp_path: Path
) -> None:
    url, db_path, session_id = talk
    server, speaker = _serve(url, tmp_path, session_id)
    try:
        await speaker.publish()
        await _segments_listed(server.base_url, session_id, 3)
        started = time.monotonic() - 3 * 1.5  # three segments (>= 1.5 s each) recorded
        await asyncio.sleep(2)
        worker_pids = media_worker_pids(server)
        server.process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        server.process.wait(10)
        # the orphaned worker exits without ending the stage (no "ended" part)
        await _until(lambda: not any(psutil.pid_exists(p) for p in worker_pids), "worker exit")
    finally:
        await speaker.close()
        server.stop()

    server, speaker = _serve(url, tmp_path, session_id)
    viewer: ProbeViewer | None = None
    try:
        status = _status(server.base_url, session_id)
        assert status["state"] == "interrupted", status
        assert _live_state(db_path, session_id) == "paused"
        assert recordings_of(db_path, session_id) == []  # no recording beside a live player
        await speaker.publish()
        viewer = await _watch(server.base_url, session_id)
        resumed = time.monotonic()  # media flows again
        await asyncio.sleep(6)
        ending = time.monotonic()
        ended = await speaker.end()
        assert ended.status_code == 200, ended.text
        await _until(lambda: recordings_of(db_path, session_id), "recording stored", 60)
        await asyncio.sleep(1.0)
        rows = recordings_of(db_path, session_id)
        assert len(rows) == 1, rows
        _check_joined_recording(server, tmp_path, rows[0], [killed - started, ending - resumed])
    finally:
        if viewer is not None:
            await viewer.close()
        await speaker.close()
        server.stop()


def _hold_next_worker(server: AppServer | None, dead: int) -> int:
    """Stop (SIGSTOP) the worker the app starts after ``dead`` before it answers: the
    restart stays under way, as on a starved machine, until the test lets it go on. A new
    worker needs well over a second to import its media libraries; this looks every 5 ms."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for pid in media_worker_pids(server):
            if pid != dead:
                os.kill(pid, signal.SIGSTOP)
                return pid
        time.sleep(0.005)
    raise AssertionError("the app started no new media worker within 10 s")


def _check_one_part(server_url: str, tmp_path: Path, row: tuple[str, str, float]) -> float:
    """The recording of a talk that never continued: one MP4 whose frames are in order,
    one VOD playlist without a discontinuity. Returns its duration."""
    storage_key, playlist_key, duration = row
    session_path, seat_path = playlist_key.split("/")[1], "/".join(playlist_key.split("/")[2:])
    playlist = httpx.get(f"{server_url}/sessions/{session_path}/hls/{seat_path}").text
    assert "#EXT-X-DISCONTINUITY" not in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")
    with av.open(str(tmp_path / "storage" / storage_key)) as container:
        stamps = [stamp for frame in container.decode(video=0) if (stamp := read_stamp(frame))]
    assert stamps and stamps == sorted(stamps), "frames missing or out of order"
    return duration


async def test_end_while_the_worker_restarts_answers_503_and_ends_nothing(
    talk: tuple[str, Path, int], tmp_path: Path
) -> None:
    """The moderator presses "end" while the killed worker's successor is still starting:
    503 with a message saying so, the talk stays paused; once the worker is back, "end"
    works and the talk gives exactly one recording."""
    url, db_path, session_id = talk
    server, speaker = _serve(url, tmp_path, session_id)
    moderator = StageSpeaker(server.base_url, session_id, ORGANISER)
    held: int | None = None
    try:
        await speaker.publish()
        await _segments_listed(server.base_url, session_id, 2)
        started = time.monotonic() - 2 * 1.5  # two segments (>= 1.5 s each) recorded
        [old_worker] = media_worker_pids(server)
        os.kill(old_worker, signal.SIGKILL)
        killed = time.monotonic()
        held = await asyncio.to_thread(_hold_next_worker, server, old_worker)
        status = await _until(
            lambda: (s := _status(server.base_url, session_id))["state"] == "interrupted" and s,
            "status says interrupted",
            15,
        )
        assert status["worker_restarts"] == 0, status  # the restart is still under way

        refused = await moderator.end()
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"] == RESTARTING_MESSAGE
        assert refused.headers["Retry-After"] == "2"
        # the stage page's "end" button posts a form: a page with the message, in English too
        token = await asyncio.to_thread(
            csrf_in_page, moderator.client, f"/sessions/{session_id}/stage"
        )
        page = await asyncio.to_thread(
            moderator.client.post,
            f"/sessions/{session_id}/live/end?lang=en",
            data={"csrf_token": token},
            headers={"Accept": "text/html"},
        )
        assert page.status_code == 503 and page.headers["Retry-After"] == "2"
        assert page.headers["content-type"].startswith("text/html")
        assert "The live broadcast is being restarted after a fault." in page.text
        assert _live_state(db_path, session_id) == "paused"  # not ended: nothing was ended
        status = _status(server.base_url, session_id)
        assert (status["state"], status["session_state"]) == ("interrupted", "paused"), status
        assert recordings_of(db_path, session_id) == []

        os.kill(held, signal.SIGCONT)
        held = None
        await _until(
            lambda: _status(server.base_url, session_id)["worker_restarts"] == 1,
            "worker restarted",
            30,
        )
        ended = await moderator.end()
        assert ended.status_code == 200, ended.text
        assert _live_state(db_path, session_id) == "ended"
        await _until(lambda: recordings_of(db_path, session_id), "recording stored", 60)
        await asyncio.sleep(1.0)  # a second row would be stored right after the first
        rows = recordings_of(db_path, session_id)
        assert len(rows) == 1, rows
        duration = _check_one_part(server.base_url, tmp_path, rows[0])
        assert duration >= killed - started - 2.6 - 1.0, duration  # all but the open segment
        assert _status(server.base_url, session_id)["state"] == "ended"
    finally:
        if held is not None:
            os.kill(held, signal.SIGCONT)
        await speaker.close()
        moderator.client.close()
        server.stop()


def _planned_end(db_path: Path, session_id: int) -> datetime:
    with sqlite3.connect(db_path) as connection:
        starts_at, minutes = connection.execute(
            "SELECT starts_at, duration_minutes FROM programme_sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
    return datetime.fromisoformat(starts_at) + timedelta(minutes=minutes)


def _move_clock(app: Starlette, to: datetime) -> None:
    """The fair's clock (``FAIR_TODAY``, read by the running app) to the UTC moment ``to``."""
    settings = app_services(app).settings
    local = to_local(to, settings.time_zone).strftime("%Y-%m-%dT%H:%M")
    app_services(app).settings = settings.replace(today=local)


async def test_interrupted_talk_nobody_continues_is_stored_and_ended_after_its_time(
    talk: tuple[str, Path, int], tmp_path: Path
) -> None:
    """The worker dies, is restarted, and nobody publishes again: a few minutes after the
    talk's planned end (the fair's clock moved in the running app) the spooled part becomes
    its one recording and the talk is ended, without anyone pressing "end"."""
    url, db_path, session_id = talk
    app = create_app(make_settings(url, tmp_path, live_loopback_ice=True))
    instance = Instance(app)  # in this process, so the test can move the fair's clock
    instance.start()
    base_url = instance.http("")
    speaker = StageSpeaker(base_url, session_id, SPEAKER)
    try:
        await speaker.publish()
        await _segments_listed(base_url, session_id, 2)
        started = time.monotonic() - 2 * 1.5  # two segments (>= 1.5 s each) recorded
        [worker] = media_worker_pids()
        os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()
        await _until(
            lambda: _status(base_url, session_id)["worker_restarts"] == 1, "worker restarted", 30
        )
        await speaker.close()  # the speaker's page is gone: nobody publishes again
        planned_end = _planned_end(db_path, session_id)

        # a little late is not over: the speaker may still come back
        _move_clock(app, planned_end + timedelta(minutes=2))
        await asyncio.sleep(OVERDUE_CHECK_SECONDS + 1)
        assert _status(base_url, session_id)["state"] == "interrupted"
        assert _live_state(db_path, session_id) == "paused"
        assert recordings_of(db_path, session_id) == []

        _move_clock(app, planned_end + RESUME_GRACE + timedelta(minutes=2))
        moved = time.monotonic()
        await _until(lambda: recordings_of(db_path, session_id), "recording stored", 30)
        assert time.monotonic() - moved < OVERDUE_CHECK_SECONDS + 10  # bounded
        assert _live_state(db_path, session_id) == "ended"
        assert _status(base_url, session_id)["state"] == "ended"
        await asyncio.sleep(1.0)  # a second row would be stored right after the first
        rows = recordings_of(db_path, session_id)
        assert len(rows) == 1, rows
        duration = _check_one_part(base_url, tmp_path, rows[0])
        assert duration >= killed - started - 2.6 - 1.0, duration
    finally:
        await speaker.close()
        await asyncio.to_thread(instance.stop)
