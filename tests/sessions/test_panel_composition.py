"""A panel's per-publisher recordings become one grid video, off the live path, with
progress for organisers; the per-publisher files are kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import av
from sqlalchemy import select
from starlette.applications import Starlette

from fair.app_services import app_services
from sessions.composer import HEIGHT, WIDTH, compose, grid
from sessions.demo_media import Slide, write_recording, write_tone_loop
from sessions.models import ProgrammeSession, Recording
from tests.support.app import csrf_of, login, make_client


def _publishers(tmp_path: Path, seconds: list[int]) -> list[Path]:
    tone = tmp_path / "tone.mp4"
    write_tone_loop(tone)
    paths = []
    for index, length in enumerate(seconds):
        path = tmp_path / f"publisher-{index}.mp4"
        slides = [Slide(0, f"Panelist {index + 1}", ("spricht",))]
        write_recording(path, slides, length, "Panel", tone)
        paths.append(path)
    return paths


def test_grid_layout() -> None:
    assert [grid(n) for n in (1, 2, 3, 4, 5, 6)] == [
        (1, 1), (2, 1), (2, 2), (2, 2), (3, 2), (3, 2)
    ]  # fmt: skip


def test_compose_tiles_every_publisher_and_mixes_their_voices(tmp_path: Path) -> None:
    inputs = _publishers(tmp_path, [6, 8, 4])
    shares: list[float] = []
    duration = compose(inputs, tmp_path / "panel.mp4", shares.append)
    assert 7.9 <= duration <= 8.1 and shares[-1] == 1.0
    with av.open(str(tmp_path / "panel.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height) == (WIDTH, HEIGHT)
        assert audio.codec_context.name == "aac"
        assert float(video.duration * video.time_base) >= 7.5
        frame = next(container.decode(video=0)).to_image()
    # three tiles with pictures (light slides), the fourth seat dark
    assert frame.getpixel((WIDTH // 4, HEIGHT // 4))[0] > 200
    assert frame.getpixel((3 * WIDTH // 4, HEIGHT // 4))[0] > 200
    assert frame.getpixel((WIDTH // 4, 3 * HEIGHT // 4))[0] > 200
    assert frame.getpixel((3 * WIDTH // 4, 3 * HEIGHT // 4))[0] < 60
    assert all(p.exists() for p in inputs)  # the per-publisher files are kept


async def test_organisers_compose_a_panel_and_see_progress(
    demo_app: Starlette, tmp_path: Path
) -> None:
    storage = app_services(demo_app).storage
    async with app_services(demo_app).db.session() as db:
        panel = await db.scalar(select(ProgrammeSession).where(ProgrammeSession.kind == "panel"))
        assert panel is not None
        for index, path in enumerate(_publishers(tmp_path, [5, 6])):
            stored = await storage.save_file(
                f"recordings/{panel.id}/{index}-publisher.mp4", path, content_type="video/mp4"
            )
            db.add(Recording(session_id=panel.id, storage_key=stored.key, duration_seconds=5))
        await db.commit()
        panel_id = panel.id
    url = f"/sessions/{panel_id}/recordings/compose"
    async with make_client(demo_app) as client:
        assert (await client.get(url)).status_code == 401
        await login(client, "orga@example.org")
        token = await csrf_of(client, f"/sessions/{panel_id}")
        assert "zu einem Video zusammenführen" in (await client.get(f"/sessions/{panel_id}")).text
        started = await client.post(
            url, data={"csrf_token": token}, headers={"Accept": "application/json"}
        )
        assert started.status_code == 200 and started.json()["state"] == "running"
        for _ in range(300):
            status = (await client.get(url)).json()
            if status["state"] != "running":
                break
            await asyncio.sleep(0.1)
        assert status == {"state": "done", "progress": 1.0, "message": ""}, status
        assert "fertig 100 %" in (await client.get(f"/sessions/{panel_id}")).text
    async with app_services(demo_app).db.session() as db:
        recordings = list(
            (await db.scalars(select(Recording).where(Recording.session_id == panel_id))).all()
        )
    composed = [r for r in recordings if r.source == "composed"]
    assert len(composed) == 1 and composed[0].published and composed[0].poster_key
    assert 5.9 <= composed[0].duration_seconds <= 6.2
    parts = [r for r in recordings if r.source == "live"]
    assert len(parts) == 2 and not any(p.published for p in parts)
    for part in parts:
        assert await storage.size(part.storage_key) > 0  # kept
