"""``fair export-static DIR``: the archived fair as plain files for any static host.

The app renders every page as a visitor would see it (in archive mode, through its own
routes, in German and English); a crawler follows the internal links from the home page
and writes each page and file under ``DIR`` with links rewritten to relative paths, so
the copy works from a folder, any web server or an S3 bucket, with no server running.
Time links become media fragments (``?t=156`` → ``#t=156``, read by player.js). What
needs a server (forms, sign-in, live chat) is left out of the copy. Which pages and files
are worth copying, and where the crawler starts, the domains register
(:class:`fair.addresses.Addresses`); every other link is unlinked in the copy.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import lxml.html

from fair.addresses import Addresses
from fair.app_services import app_services
from fair.i18n import LANGUAGES

LINK_ATTRIBUTES = (
    ("a", "href"),
    ("link", "href"),
    ("script", "src"),
    ("img", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("track", "src"),
    ("source", "src"),
)


class ExportError(Exception):
    """The export cannot start or finish; the message says why."""


@dataclass
class ExportResult:
    pages: int = 0
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)


def check_target(target: Path) -> None:
    """Refuse a non-empty or unwritable folder before anything is written."""
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} ist keine Ordner.")
    if target.exists() and any(target.iterdir()):
        raise ExportError(f"{target} ist nicht leer; bitte einen leeren Ordner angeben.")
    try:
        target.mkdir(parents=True, exist_ok=True)
        probe = target / ".fair-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ExportError(f"{target} ist nicht beschreibbar: {exc.strerror}") from exc


def file_for(url: str, addresses: Addresses) -> str:
    """The file a site URL is stored as, relative to the language's root."""
    parts = urlsplit(url)
    path = parts.path
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in addresses.export_query]
    suffix = ("-" + "-".join(f"{k}-{v}" for k, v in sorted(query))) if query else ""
    last = path.rsplit("/", 1)[-1]
    if path.startswith("/static/") or "." in last:
        stem, dot, extension = path.lstrip("/").rpartition(".")
        return f"{stem}{suffix}{dot}{extension}"
    media = addresses.export_extension(path)
    if media is not None:  # media addresses without an extension of their own
        return path.lstrip("/") + media
    base = path.strip("/")
    return f"{base}/index{suffix}.html" if base else f"index{suffix}.html"


def _relative(from_file: str, to_file: str) -> str:
    return posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")


class StaticExporter:
    def __init__(
        self, app: Any, target: Path, progress: Callable[[str, int], Any] | None = None
    ) -> None:
        self.app = app
        self.target = target
        self.progress = progress or (lambda _url, _queued: None)
        self.result = ExportResult()
        self.written_files: set[str] = set()
        # Which pages and files are copied: the core's and what the domains registered.
        self.addresses = app_services(app).addresses

    def _file_for(self, url: str) -> str:
        return file_for(url, self.addresses)

    def _internal(self, href: str) -> str | None:
        """The site URL ``href`` points to, or None for external links and anchors."""
        if not href or href.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
            return None
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return None
        return href

    def _rewrite(
        self, html: bytes, page_url: str, language: str, queue: list[str], seen: set[str]
    ) -> bytes:
        root = lxml.html.document_fromstring(html)
        for form in root.xpath("//form"):
            form.drop_tree()  # forms need the server
        page_file = self._file_for(page_url)
        kept = self.addresses.export_query
        for tag, attribute in LINK_ATTRIBUTES:
            for element in root.iter(tag):
                href = element.get(attribute)
                url = self._internal(href or "")
                if url is None:
                    continue
                if url.startswith("/lang/"):  # the same page in the other language's tree
                    depth = page_file.count("/")
                    if language == "de":
                        element.set(attribute, "../" * depth + "en/" + page_file)
                    else:
                        element.set(attribute, "../" * (depth + 1) + page_file)
                    continue
                parts = urlsplit(url)
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                moment = dict(parse_qsl(parts.query)).get("t")
                clean = parts.path + (
                    "?" + urlencode([(k, v) for k, v in parse_qsl(parts.query) if k in kept])
                    if any(k in kept for k, _ in parse_qsl(parts.query))
                    else ""
                )
                if not self.addresses.exported.match(parts.path):
                    element.attrib.pop(attribute, None)  # needs a server: unlinked
                    continue
                if clean not in seen:
                    seen.add(clean)
                    queue.append(clean)
                if moment and not fragment:
                    fragment = f"#t={moment}"
                target = self._file_for(clean)
                if language != "de" and not target.endswith(".html"):
                    # files (media, scripts, schedules) exist once, in the German root
                    relative = "../" * (page_file.count("/") + 1) + target
                else:
                    relative = _relative(page_file, target)
                element.set(attribute, relative + fragment)
        return bytes(lxml.html.tostring(root, doctype="<!doctype html>", encoding="utf-8"))

    async def export(self) -> ExportResult:
        check_target(self.target)
        return await self.export_into_checked()

    async def export_into_checked(self) -> ExportResult:
        """Export into a folder :func:`check_target` accepted (it holds the probe's
        mkdir only)."""
        transport = httpx.ASGITransport(app=self.app)
        for language in LANGUAGES:
            base = self.target if language == "de" else self.target / "en"
            queue = list(self.addresses.export_start)
            seen = set(queue)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://export.invalid",
                cookies={"fair_lang": language},
            ) as client:
                while queue:
                    url = queue.pop(0)
                    self.progress(url, len(queue))
                    await self._fetch(client, url, language, base, queue, seen)
        return self.result

    async def _fetch(
        self,
        client: httpx.AsyncClient,
        url: str,
        language: str,
        base: Path,
        queue: list[str],
        seen: set[str],
    ) -> None:
        is_page = self._file_for(url).endswith(".html")
        if not is_page and url in self.written_files:
            return
        response = await client.get(url)
        if response.status_code != 200:
            self.result.skipped.append(f"{url} ({response.status_code})")
            return
        path = (base if is_page else self.target) / self._file_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = response.content
        if response.headers.get("content-type", "").startswith("text/html"):
            body = self._rewrite(body, url, language, queue, seen)
            self.result.pages += 1
        else:
            if url.endswith(".js"):  # ES module imports, relative to the module
                for ref in re.findall(rb"from \"(\./[\w-]+\.js)\"", body):
                    module = posixpath.normpath(
                        posixpath.join(posixpath.dirname(url), ref.decode())
                    )
                    if module not in seen:
                        seen.add(module)
                        queue.append(module)
            self.result.files += 1
            self.written_files.add(url)
        path.write_bytes(body)
        self.result.bytes += len(body)
