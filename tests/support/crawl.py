"""The link crawler's parts: an HTML parser collecting links and landmarks, which links are
internal, which paths and bodies it leaves alone (the crawl and the per-role axe checks)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

BODY_UNCHECKED = (".ics", ".xml", ".json", ".csv", ".pdf", ".webm", ".mp4", ".png", ".jpg")


class CrawledPage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.h1 = 0
        self.title = ""
        self.html_lang: str | None = None
        self._in_title = False
        self.tags_in_title = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "html":
            self.html_lang = attr.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True
        if self._in_title and tag != "title":
            self.tags_in_title += 1
        if tag in ("a", "link") and attr.get("href"):
            if tag == "link" and attr.get("rel") in ("preconnect", "dns-prefetch"):
                return
            self.links.append(str(attr["href"]))
        elif tag in ("img", "script", "source", "video", "audio", "track") and attr.get("src"):
            self.links.append(str(attr["src"]))
        elif tag == "form" and (attr.get("method") or "get").lower() == "get":
            self.links.append(str(attr.get("action") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def internal_link(base: str, href: str) -> str | None:
    """The path and query ``href`` points to on this site, or None."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
        return None
    if parts.path.startswith(SKIP_PATHS):
        return None
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("lang="))
    return urlunsplit(("", "", parts.path or "/", query, ""))


SKIP_PATHS = ("/logout", "/lang/")
