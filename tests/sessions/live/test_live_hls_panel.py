"""A panel over HLS: every seat's media playlist is listed in ``seats.json`` beside the
multivariant playlist (which names seat 0 only: seats are different pictures, not
renditions), so an HLS viewer plays one player per seat, as a WebRTC viewer sees one
tile per seat. The browser side is in ``tests/sessions/live/test_live_hls_fallback.py``."""

from __future__ import annotations

import json

from sessions.live.app_parts import live_parts
from tests.support.hls_helpers import HlsApp, SpoolWriter

FIRST = "0-user-1-20261202T100000"
SECOND = "1-user-2-20261202T100005"


async def test_seats_json_lists_every_seat_once_its_playlist_is_stored(hls: HlsApp) -> None:
    app, client, spool, base = hls.app, hls.client, hls.spool, hls.hls_path
    assert (await client.get(f"{base}/seats.json")).status_code == 404  # never live

    first = await hls.record(FIRST, 4.2)
    seats = await client.get(f"{base}/seats.json")
    assert seats.status_code == 200
    assert seats.headers["content-type"].startswith("application/json")
    assert seats.headers["cache-control"] == "public, max-age=1"
    assert seats.json() == {"seats": [f"{FIRST}/index.m3u8"]}

    second = SpoolWriter(spool / SECOND)  # a panelist joins later
    second.advance(4.2)
    first.advance(2)
    await live_parts(app).archive.sync(force=True)
    listed = (await client.get(f"{base}/seats.json")).json()["seats"]
    assert listed == [f"{FIRST}/index.m3u8", f"{SECOND}/index.m3u8"]
    for playlist in listed:  # every listed playlist is stored and names segments
        media = await client.get(f"{base}/{playlist}")
        assert media.status_code == 200 and "00000.m4s" in media.text
    master = (await client.get(f"{base}/master.m3u8")).text
    assert f"{FIRST}/index.m3u8" in master and SECOND not in master

    for bad in (f"{base}/seats.json/../x", f"{base}/{FIRST}/seats.json", f"{base}/seats.jsonx"):
        assert (await client.get(bad)).status_code == 404, bad
    assert json.loads((await client.get(f"{base}/seats.json")).content)["seats"] == listed
