"""What the domains tell the core about their addresses, so the core names none of them.

The core's mechanisms that look at paths (the series scope, :mod:`fair.series_scope`; the
static export, :mod:`fair.static_export`) know only the core's own pages. Each domain
registers its paths here from the app factory (``booths.registrations``,
``sessions.registrations``): which of its pages are back-office forms that work across
series, which single items are found in any series, which pages and files a static copy
holds, where the export's crawler starts, which filters of a page get files of their own
and which file extension a media address gets.
The app keeps one :class:`Addresses` in its services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class PathPatterns:
    """Regular expressions for paths, matched from the path's start; the core's own are
    given first, the domains add theirs."""

    def __init__(self, *patterns: str) -> None:
        self._patterns = list(patterns)
        self._compiled: re.Pattern[str] | None = None

    def add(self, *patterns: str) -> None:
        self._patterns.extend(patterns)
        self._compiled = None

    def match(self, path: str) -> bool:
        if self._compiled is None:
            self._compiled = re.compile("|".join(f"(?:{p})" for p in self._patterns) or "(?!)")
        return self._compiled.match(path) is not None


@dataclass
class Addresses:
    """The paths the core treats specially, the core's own and the registered ones."""

    # Back-office pages and forms: not scoped to a series, they work across series.
    unscoped: PathPatterns = field(
        default_factory=lambda: PathPatterns(
            r"/(organiser|exhibitor|static|healthz|login|logout|invite|setup|reset|password"
            r"|lang)(/|$)"
        )
    )
    # Single items (and the sockets): unprefixed they are found in any series, so links
    # and bookmarks made while their series was current keep working.
    detail: PathPatterns = field(default_factory=lambda: PathPatterns(r"/ws(/|$)"))
    # Pages and files a static copy holds; everything else needs a server.
    exported: PathPatterns = field(default_factory=lambda: PathPatterns(r"/$", r"/static/.+"))
    # Where the export's crawler starts (it follows links from there).
    export_start: list[str] = field(default_factory=lambda: ["/"])
    # Query parameters a copied page keeps (filters: one file per value, ``-day-3``).
    export_query: set[str] = field(default_factory=set)
    # (path pattern, file extension) of extensionless media addresses, first match wins.
    export_files: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def add_export_file(self, pattern: str, extension: str) -> None:
        """Store what ``pattern`` matches as a file ending in ``extension`` (``".mp4"``)."""
        self.export_files.append((re.compile(pattern), extension))

    def export_extension(self, path: str) -> str | None:
        return next((ext for pattern, ext in self.export_files if pattern.match(path)), None)
