"""Static files under content-hashed URLs, cached by browsers for a year.

At start the whole ``static/`` tree is hashed once; ``static_url("css/fair.css")`` gives
``/static/<hash>/css/fair.css``. One hash for the tree (not one per file) keeps the
relative imports of the ES modules working: ``import "./webrtc.js"`` from
``/static/<hash>/js/stage.js`` resolves under the same hash, and any change to any file
gives every file a new URL. Those URLs are served ``immutable`` for a year; a URL with an
older hash (a page rendered before a deploy) or none gets the current file, revalidated
(``no-cache`` with ETag).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
_HASH = re.compile(r"[0-9a-f]{12}")


def tree_hash(directory: Path) -> str:
    """A hash of every file's path and content under ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class HashedStatic:
    """An ASGI app for ``/static``: strips the hash segment and sets the cache header."""

    def __init__(self, directory: Path) -> None:
        self.version = tree_hash(directory)
        self.files = StaticFiles(directory=directory)

    def url(self, path: str) -> str:
        return f"/static/{self.version}/{path.lstrip('/')}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        relative = path[len(root) :] if root and path.startswith(root) else path
        first, _, rest = relative.lstrip("/").partition("/")
        cache_control = REVALIDATE
        if _HASH.fullmatch(first) and rest:
            cache_control = IMMUTABLE if first == self.version else REVALIDATE
            scope = dict(scope, path=f"{root}/{rest}")

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                headers.append((b"cache-control", cache_control.encode()))
                message = dict(message, headers=headers)
            await send(message)

        await self.files(scope, receive, send_with_cache)


_instances: dict[Path, HashedStatic] = {}


def static_files(directory: Path) -> HashedStatic:
    """The one :class:`HashedStatic` of ``directory`` (hashed once per process)."""
    if directory not in _instances:
        _instances[directory] = HashedStatic(directory)
    return _instances[directory]
