"""Gzip for a cached page whose per-visitor bits are put in when it is served.

Most cached pages carry a placeholder for the visitor's CSRF token, and attendees' shared
renders placeholders for their name and e-mail (``fair.pagecache``). Before, such a page
was compressed again for every visitor who accepted gzip: a profile of the web process
in the busiest hour (docs/benchmarks.md, r21-webcpu) found that compression the largest
single cost of answering from the cache. Now the page is split at its placeholders when
it is stored, each fixed part is compressed once, and serving only compresses the few
bytes put in.

How this stays one ordinary gzip stream: each part is compressed on its own as raw
deflate blocks ending in a sync flush, so it ends on a byte boundary; such block runs can
follow one another. Serving joins them with the filled-in values (compressed the same
way), an empty final block, the gzip header, and the trailer (CRC-32 and length of the
page as served). Any client decompresses it to exactly the bytes that replacing the
placeholders in the page gives.

So that the parts compress as well as the whole page (a part may repeat the markup of the
parts before it), a part may refer back to the bytes before it: it is compressed with
those bytes as its dictionary, where each value is stood in for by as many NUL bytes as
the value will have (a CSRF token always has the same length). That is sound when the
part holds no NUL byte (no reference can then reach into a stand-in) and every value
before it has the length assumed; a value of another length makes :meth:`gzipped`
compress the filled page whole instead.
"""

from __future__ import annotations

import gzip
import re
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

# gzip header (RFC 1952): magic, deflate, no flags, mtime 0, no extra flags, OS unknown.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# An empty final block with fixed codes: what ends a deflate stream after a sync flush.
_FINAL_BLOCK = b"\x03\x00"
# Filled-in values are a few dozen bytes: fast compression is as good as any there.
_FILL_LEVEL = 1
_WINDOW = 1 << zlib.MAX_WBITS  # how far back deflate may refer


def _deflate(data: bytes, level: int, history: bytes = b"") -> bytes:
    """``data`` as raw deflate blocks that end byte-aligned and are not final, referring
    back into ``history`` (what the decoder will have output just before) if given."""
    if history:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=history[-_WINDOW:])
    else:
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class PageParts:
    """A page cut at its placeholders: ``fixed[0] slot[0] fixed[1] … fixed[-1]``.

    The parts are compressed at the first gzip answer, not when the page is stored: a
    render that is not stored (something it shows changed meanwhile) or never asked for
    with gzip costs no compression.
    """

    fixed: tuple[bytes, ...]
    slots: tuple[bytes, ...]
    level: int
    # Placeholders whose values always have this many bytes (the CSRF token).
    lengths: Mapping[bytes, int]

    @property
    def size(self) -> int:
        """Memory the compressed parts will take, estimated when stored (HTML compresses
        to a third or less), so the cache's byte count stays the same when they are made."""
        return sum(len(p) for p in self.fixed) // 2

    def filled(self, values: Mapping[bytes, bytes]) -> bytes:
        """The page with each placeholder replaced by its value (kept where none)."""
        out = [self.fixed[0]]
        for slot, part in zip(self.slots, self.fixed[1:], strict=True):
            out += [values.get(slot, slot), part]
        return b"".join(out)

    @cached_property
    def _packing(self) -> tuple[tuple[bytes, ...], dict[bytes, int]]:
        """Each fixed part compressed, and the value lengths that relies on."""
        packed = [_deflate(self.fixed[0], self.level)]
        assumed: dict[bytes, int] = {}
        history = self.fixed[0]  # what the decoder has output before the next part
        for slot, part in zip(self.slots, self.fixed[1:], strict=True):
            # After a value of unknown length nothing before it can be referred to.
            history = history + b"\0" * self.lengths[slot] if slot in self.lengths else b""
            if history and b"\0" not in part:
                packed.append(_deflate(part, self.level, history))
                before = self.slots[: len(packed) - 1]
                assumed.update((s, self.lengths[s]) for s in before if s in self.lengths)
            else:
                packed.append(_deflate(part, self.level))
            history = (history + part)[-_WINDOW:]
        return tuple(packed), assumed

    @property
    def assumed(self) -> dict[bytes, int]:
        return self._packing[1]

    def gzipped(self, values: Mapping[bytes, bytes]) -> bytes:
        """:meth:`filled`, as one gzip member; only the values are compressed here."""
        packed, assumed = self._packing
        if any(len(values.get(slot, slot)) != n for slot, n in assumed.items()):
            return gzip.compress(self.filled(values), compresslevel=_FILL_LEVEL, mtime=0)
        crc = zlib.crc32(self.fixed[0])
        length = len(self.fixed[0])
        out = [_HEADER, packed[0]]
        compressed: dict[bytes, bytes] = {}
        for slot, part, packed_part in zip(self.slots, self.fixed[1:], packed[1:], strict=True):
            value = values.get(slot, slot)
            if value not in compressed:
                compressed[value] = _deflate(value, _FILL_LEVEL)
            crc = zlib.crc32(part, zlib.crc32(value, crc))
            length += len(value) + len(part)
            out += [compressed[value], packed_part]
        out += [_FINAL_BLOCK, struct.pack("<II", crc & 0xFFFFFFFF, length & 0xFFFFFFFF)]
        return b"".join(out)


def split_page(
    body: bytes,
    placeholders: Sequence[bytes],
    level: int,
    lengths: Mapping[bytes, int] | None = None,
) -> PageParts | None:
    """``body`` cut at every occurrence of ``placeholders``, its fixed parts to be
    compressed at ``level``; None when it holds none of them (it is compressed whole).

    ``lengths``: placeholders whose values always have this many bytes (the CSRF token);
    the parts after them may then refer back across them.
    """
    present = [p for p in placeholders if p in body]
    if not present:
        return None
    pieces = re.split(b"(" + b"|".join(re.escape(p) for p in present) + b")", body)
    return PageParts(
        fixed=tuple(pieces[0::2]),
        slots=tuple(pieces[1::2]),
        level=level,
        lengths=dict(lengths or {}),
    )
