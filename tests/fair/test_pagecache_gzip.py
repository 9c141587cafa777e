"""A cached page with per-visitor placeholders, compressed once and filled in per visitor.

The parts compressed when the page is stored and the values compressed when it is served
must make one gzip stream that decompresses to exactly the filled-in page, however the
placeholders lie (first, last, side by side, repeated, several kinds), through a one-shot
and a streaming decoder (browsers read it in pieces). Then through the real app: two
visitors of one cached page with a form each get their own token, compressed or not.
"""

from __future__ import annotations

import gzip
import os
import zlib

import pytest
from starlette.applications import Starlette

from fair.pagecache_gzip import split_page
from tests.support.app import make_client
from tests.support.booth_helpers import OWN
from tests.support.page_cache import cache_of, token_in

TOKEN, NAME = b"__fair_csrf_token__", b"__fair_user_name__"
VALUES = {TOKEN: b"tok-" + b"x" * 39, NAME: b"Ada &lt;Lovelace&gt;"}


def _stream(data: bytes, piece: int) -> bytes:
    reader = zlib.decompressobj(wbits=31)
    out = b"".join(reader.decompress(data[i : i + piece]) for i in range(0, len(data), piece))
    assert reader.eof and not reader.unused_data
    return out + reader.flush()


@pytest.mark.parametrize(
    "body",
    [
        TOKEN,
        TOKEN + b"<p>after</p>",
        b"<p>before</p>" + TOKEN,
        b"<meta content='" + TOKEN + b"'>" + os.urandom(3000).hex().encode() + TOKEN + NAME,
        TOKEN + TOKEN + b"middle" + NAME + NAME + b"end",
        "Grüße <b>".encode() * 5000 + NAME + b"tail" + TOKEN,
    ],
)
@pytest.mark.parametrize("level", [1, 9])
@pytest.mark.parametrize("lengths", [None, {TOKEN: len(VALUES[TOKEN])}])
def test_parts_make_one_gzip_stream_of_the_filled_page(
    body: bytes, level: int, lengths: dict[bytes, int] | None
) -> None:
    parts = split_page(body, (TOKEN, NAME), level, lengths)
    assert parts is not None
    expected = body.replace(TOKEN, VALUES[TOKEN]).replace(NAME, VALUES[NAME])
    assert parts.filled(VALUES) == expected
    packed = parts.gzipped(VALUES)
    assert gzip.decompress(packed) == expected
    assert _stream(packed, 7) == expected
    # A placeholder without a value stays as it is (an anonymous visitor: no name).
    only_token = {TOKEN: VALUES[TOKEN]}
    assert gzip.decompress(parts.gzipped(only_token)) == body.replace(TOKEN, VALUES[TOKEN])


def test_a_value_of_another_length_than_assumed_is_still_put_in_right() -> None:
    body = b"<form>" + TOKEN + b"</form><form>" + TOKEN + b"</form>" * 50 + b"\0" + TOKEN + b"<p>"
    parts = split_page(body, (TOKEN,), 9, {TOKEN: 43})
    assert parts is not None and parts.assumed == {TOKEN: 43}
    for token in (b"t" * 43, b"short", b"long" * 30):
        assert gzip.decompress(parts.gzipped({TOKEN: token})) == body.replace(TOKEN, token)


def test_a_page_without_placeholders_is_not_cut() -> None:
    assert split_page(b"<p>nothing personal</p>", (TOKEN, NAME), 9) is None


def test_filled_page_compresses_about_as_well_as_the_whole() -> None:
    """The second half repeats the first: it refers back across the token."""
    page = b"<li class='card'><a href='/booths/x'>Stand</a></li>\n" * 400
    body = page + b"<input name='csrf_token' value='" + TOKEN + b"'>" + page
    parts = split_page(body, (TOKEN,), 9, {TOKEN: len(VALUES[TOKEN])})
    assert parts is not None
    whole = gzip.compress(parts.filled(VALUES), compresslevel=9)
    assert len(parts.gzipped(VALUES)) < len(whole) + 100


async def test_visitors_of_a_cached_page_get_their_own_token_gzipped_or_not(
    demo_app: Starlette,
) -> None:
    path = f"/booths/{OWN}"  # the booth page carries the contact form's token
    async with make_client(demo_app) as first, make_client(demo_app) as second:
        plain: dict[str, str] = {}
        for name, visitor in (("first", first), ("second", second)):
            identity = await visitor.get(path, headers={"Accept-Encoding": "identity"})
            async with visitor.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as packed:
                raw = b"".join([chunk async for chunk in packed.aiter_raw()])
            assert "content-encoding" not in identity.headers
            assert packed.headers["content-encoding"] == "gzip"
            assert int(packed.headers["content-length"]) == len(raw)
            assert len(raw) < len(identity.content) / 2.5
            assert gzip.decompress(raw) == identity.content
            assert _stream(raw, 100) == identity.content
            plain[name] = identity.text
        assert token_in(plain["first"]) != token_in(plain["second"])
        assert plain["first"].replace(token_in(plain["first"]), "") == plain["second"].replace(
            token_in(plain["second"]), ""
        )
        cache = cache_of(demo_app)
        assert cache.hits >= 3  # rendered once, then served from memory
