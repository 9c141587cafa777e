"""Live HLS from the recorder's CMAF segments: segments reach storage before a playlist
names them, storage trouble delays but never loses or repeats a segment, the EVENT
playlist becomes the VOD and an MP4 at the end, and the app serves only a talk's own files
with the right caching."""

from __future__ import annotations

import re
from pathlib import Path

import av
import pytest
from sqlalchemy import func, select

from fair.app import create_app
from fair.app_services import app_services
from sessions.live.app_parts import live_parts
from sessions.live.archive import RecordingArchive
from sessions.models import ProgrammeSession, Recording
from tests.support.app import make_settings
from tests.support.booth_helpers import s3_overrides
from tests.support.hls_helpers import (
    HlsApp,
    SpoolWriter,
    check_every_listed_segment_is_stored,
    first_session,
    hls_app,
    listed_segments,
    s3_storage,
    s3_text,
)
from tests.support.s3_server import S3Server

SEAT = "0-user-1-20261202T100000"
CDN = "https://cdn.example.org/fair"


async def test_storage_down_mid_talk_every_segment_arrives_once_in_order(
    demo_database_url: str, tmp_path: Path, own_nanio: S3Server
) -> None:
    app = create_app(make_settings(demo_database_url, tmp_path))
    async with app.router.lifespan_context(app):
        session_id = await first_session(app)
        spool = tmp_path / "s3-spool"
        bucket = own_nanio.create_bucket()
        archive = RecordingArchive(
            app_services(app).db, s3_storage(own_nanio, bucket), spool, retry_seconds=3600
        )
        writer = SpoolWriter(spool / str(session_id) / SEAT)
        prefix = f"live/{session_id}/{SEAT}"

        writer.advance(4.2)
        await archive.sync()
        assert check_every_listed_segment_is_stored(own_nanio, bucket, prefix) == [
            "00000.m4s",
            "00001.m4s",
        ]
        master = s3_text(own_nanio, bucket, f"live/{session_id}/master.m3u8")
        assert f"{SEAT}/index.m3u8" in master and 'CODECS="avc1.42e01f,mp4a.40.2"' in master
        assert "RESOLUTION=320x240," in master  # read from the init segment
        playlist = s3_text(own_nanio, bucket, f"{prefix}/index.m3u8")
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist and "#EXT-X-ENDLIST" not in playlist
        head = own_nanio.client().head_object  # what the bucket (and a CDN in front) answers with
        assert (
            head(Bucket=bucket, Key=f"{prefix}/index.m3u8")["CacheControl"] == "public, max-age=1"
        )
        segment_head = head(Bucket=bucket, Key=f"{prefix}/00000.m4s")
        assert segment_head["CacheControl"] == "public, max-age=31536000, immutable"

        own_nanio.stop()  # storage goes away mid-talk; the recorder keeps writing
        writer.advance(4)
        await archive.sync()
        assert archive.waiting == [spool / str(session_id) / SEAT]
        archive.storage.close()

        own_nanio.start()  # back, at a new address as after a fail-over
        archive.storage = s3_storage(own_nanio, bucket)
        await archive.sync()  # still backing off: nothing tried before the timer
        assert len(listed_segments(s3_text(own_nanio, bucket, f"{prefix}/index.m3u8"))) == 2
        await archive.retry_pending()
        assert archive.waiting == []
        listed = check_every_listed_segment_is_stored(own_nanio, bucket, prefix)
        assert listed == [f"{n:05d}.m4s" for n in range(4)]

        own_nanio.stop()  # everything is published: a pass while storage is down uploads nothing
        await archive.sync(force=True)
        assert archive.waiting == []
        archive.storage.close()
        own_nanio.start()
        archive.storage = s3_storage(own_nanio, bucket)

        writer.advance(0.6)
        writer.close()
        assert await archive.sync(force=True) == 1
        playlist = s3_text(own_nanio, bucket, f"{prefix}/index.m3u8")
        listed = listed_segments(playlist)
        assert listed == sorted(set(listed)) and len(listed) == 5  # in order, none twice
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
        assert not (spool / str(session_id) / SEAT).exists()
        async with app_services(app).db.session() as db:
            recording = await db.scalar(select(Recording))
        assert recording is not None
        assert recording.storage_key == f"recordings/{session_id}/{SEAT}.mp4"
        assert recording.playlist_key == f"{prefix}/index.m3u8"
        assert abs(recording.duration_seconds - 8.8) < 0.5
        assert await archive.sync(force=True) == 0  # nothing stored twice

        mp4 = tmp_path / "download.mp4"
        mp4.write_bytes(
            own_nanio.client().get_object(Bucket=bucket, Key=recording.storage_key)["Body"].read()
        )
        with av.open(str(mp4)) as container:
            duration = (container.duration or 0) / 1_000_000
            assert abs(duration - 8.8) < 2
            container.seek(int(duration / 2 * 1_000_000))
            frame = next(f for f in container.decode(video=0) if f.time >= duration / 2)
            assert abs(frame.time - duration / 2) < 0.5
        archive.storage.close()


async def test_app_serves_a_talks_hls_with_caching_and_nothing_outside_it(
    hls: HlsApp, tmp_path: Path
) -> None:
    app, client, session_id, base = hls.app, hls.client, hls.session_id, hls.hls_path
    assert (await client.get(f"{base}/master.m3u8")).status_code == 404  # never live

    writer = await hls.record(SEAT, 4.2)
    status = (await client.get(f"/sessions/{session_id}/live")).json()
    assert status["hls_url"] == f"{base}/master.m3u8"

    master = await client.get(f"{base}/master.m3u8")
    assert master.status_code == 200
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert master.headers["cache-control"] == "public, max-age=1"
    media = await client.get(f"{base}/{SEAT}/index.m3u8")
    assert listed_segments(media.text) == ["00000.m4s", "00001.m4s"]
    segment = await client.get(f"{base}/{SEAT}/00000.m4s")
    assert segment.status_code == 200 and segment.content[4:8] == b"moof"
    assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    init = await client.get(f"{base}/{SEAT}/init.mp4")
    assert init.content[4:8] == b"ftyp"

    for bad in (
        f"{base}/../../../fair.db",
        f"{base}/%2e%2e/%2e%2e/settings.py",
        f"{base}/{SEAT}/../../recordings/x.mp4",
        f"{base}/{SEAT}/00099.m4s",  # not stored (yet)
        f"{base}/{SEAT}/segments.txt",
        f"{base}/0-..-20261202T100000/index.m3u8",
        f"{base}/index.m3u8",
        "/sessions/999999/hls/master.m3u8",
        "/sessions/x/hls/master.m3u8",
    ):
        response = await client.get(bad)
        assert response.status_code == 404, bad
        assert b"#EXTM3U" not in response.content and b"SQLite" not in response.content

    async with app_services(app).db.session() as db:  # a "do not record" talk has no HLS
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None
        session.do_not_record = True
        await db.commit()
    assert (await client.get(f"{base}/master.m3u8")).status_code == 404
    assert "hls_url" not in (await client.get(f"/sessions/{session_id}/live")).json()
    async with app_services(app).db.session() as db:
        session = await db.get(ProgrammeSession, session_id)
        assert session is not None
        session.do_not_record = False
        await db.commit()

    writer.advance(1)
    writer.close()
    await live_parts(app).archive.sync(force=True)  # or its own loop was quicker: see below
    vod = await client.get(f"{base}/{SEAT}/index.m3u8")
    assert vod.text.rstrip().endswith("#EXT-X-ENDLIST")
    async with app_services(app).db.session() as db:
        recording = await db.scalar(select(Recording))
        assert recording is not None
        mp4 = await client.get(f"/sessions/{session_id}/recordings/{recording.id}")
        assert mp4.status_code == 200 and b"moov" in mp4.content[:4096]  # faststart
        recording.published = False  # withdrawn: its segments are no longer public
        await db.commit()
    assert (await client.get(f"{base}/{SEAT}/index.m3u8")).status_code == 404
    assert (await client.get(f"{base}/{SEAT}/00000.m4s")).status_code == 404
    stored = tmp_path / "storage" / "live" / str(session_id) / SEAT
    assert sorted(p.name for p in stored.iterdir() if re.match(r"\d{5}\.m4s$", p.name)) == [
        f"{n:05d}.m4s" for n in range(3)
    ]


async def test_a_recording_cut_off_by_a_crash_is_published_at_the_next_start_and_kept(
    demo_database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(demo_database_url, tmp_path)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        session_id = await first_session(app)
    # a process died mid-talk: complete segments, one half-written, no "ended" marker
    directory = Path(settings.spool_dir) / str(session_id) / SEAT
    writer = SpoolWriter(directory)
    writer.advance(6.5)
    (directory / "00003.m4s.tmp").write_bytes(b"\0\0\0\x10moof half")

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        # published as live HLS at once; kept as an interrupted part, not yet a recording
        # of its own: the talk may go on (one talk, one recording; test_live_parts.py)
        live = tmp_path / "storage" / "live" / str(session_id) / SEAT / "index.m3u8"
        assert len(listed_segments(live.read_text())) == 3  # the complete segments, not the .tmp
        assert "#EXT-X-ENDLIST" not in live.read_text()
        async with app_services(app).db.session() as db:
            assert list((await db.scalars(select(Recording))).all()) == []
        await live_parts(app).archive.finish_interrupted(str(session_id))  # "end"
        async with app_services(app).db.session() as db:
            recordings = list((await db.scalars(select(Recording))).all())
    assert len(recordings) == 1
    assert 5.5 <= recordings[0].duration_seconds <= 6.5  # at most the open segment lost
    stored = tmp_path / "storage" / recordings[0].storage_key
    with av.open(str(stored)) as container:
        assert sum(1 for _ in container.decode(video=0)) >= 6 * 25 - 2
    playlist = tmp_path / "storage" / str(recordings[0].playlist_key)
    assert playlist.read_text().rstrip().endswith("#EXT-X-ENDLIST")
    assert not directory.exists()


async def test_with_a_media_base_url_players_fetch_from_it_and_the_csp_allows_it(
    demo_database_url: str, tmp_path: Path
) -> None:
    async with hls_app(demo_database_url, tmp_path, media_base_url=CDN) as hls:
        session_id = hls.session_id
        response = await hls.client.get(f"/sessions/{session_id}/live")
        assert response.json()["hls_url"] == (
            f"https://cdn.example.org/fair/live/{session_id}/master.m3u8"
        )
        csp = response.headers["content-security-policy"]
        assert "media-src 'self' blob: https://cdn.example.org;" in csp
        assert "connect-src 'self' ws: wss: https://cdn.example.org;" in csp


def test_a_media_base_url_with_quotes_is_refused() -> None:
    from fair.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="FAIR_MEDIA_BASE_URL"):
        Settings.from_env({"FAIR_MEDIA_BASE_URL": "https://x.org/'; script-src *"})


async def test_vod_from_s3_through_the_app_plays_and_downloads(
    demo_database_url: str, tmp_path: Path, own_nanio: S3Server
) -> None:
    bucket = own_nanio.create_bucket()
    async with hls_app(demo_database_url, tmp_path, **s3_overrides(own_nanio, bucket)) as hls:
        app, client, session_id = hls.app, hls.client, hls.session_id
        writer = SpoolWriter(hls.spool / SEAT)
        writer.advance(5)
        writer.close()
        # The app's archive loop may store it first (a busy machine): stored once either way.
        await live_parts(app).archive.sync(force=True)
        async with app_services(app).db.session() as db:
            assert await db.scalar(select(func.count()).select_from(Recording)) == 1
        base = hls.hls_path
        vod = await client.get(f"{base}/{SEAT}/index.m3u8")
        assert vod.status_code == 200 and vod.text.rstrip().endswith("#EXT-X-ENDLIST")
        stream = b"".join(
            [(await client.get(f"{base}/{SEAT}/init.mp4")).content]
            + [
                (await client.get(f"{base}/{SEAT}/{name}")).content
                for name in listed_segments(vod.text)
            ]
        )
        (tmp_path / "vod.mp4").write_bytes(stream)  # what a player appends, in order
        with av.open(str(tmp_path / "vod.mp4")) as container:
            assert sum(1 for _ in container.decode(video=0)) >= 5 * 25 - 2
        async with app_services(app).db.session() as db:
            recording = await db.scalar(select(Recording))
        assert recording is not None
        download = await client.get(f"/sessions/{session_id}/recordings/{recording.id}")
        assert download.status_code == 200
        (tmp_path / "download.mp4").write_bytes(download.content)
        with av.open(str(tmp_path / "download.mp4")) as container:
            assert abs((container.duration or 0) / 1_000_000 - 5) < 1
