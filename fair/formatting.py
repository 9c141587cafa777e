"""Display helpers used by templates: times in the event's zone, sizes, safe Markdown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote",
    "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(text: str, top_heading: int = 3) -> Markup:
    """Markdown to HTML, then sanitised: no script, no event handlers, no javascript: links.

    markdown-it already escapes raw HTML; nh3 is the second wall, so that a parser
    change or a future plugin cannot let markup through. Headings above ``top_heading``
    are dropped to their text: a booth's or a talk's text sits under the page's own
    ``<h2>`` sections, while a page that is only the text (the legal pages, Easy
    Language) passes 2 so its ``##`` questions stay headings.
    """
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {f"h{level}" for level in range(top_heading, 5)},
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


def to_local(value: datetime, time_zone: str) -> datetime:
    """A stored naive-UTC timestamp as an aware datetime in the event's zone."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(time_zone))


def local_to_utc(value: datetime, time_zone: str) -> datetime:
    """A naive local (event zone) datetime as naive UTC for storage."""
    return value.replace(tzinfo=ZoneInfo(time_zone)).astimezone(UTC).replace(tzinfo=None)


def format_local_time(value: datetime, time_zone: str, language: str) -> str:
    return format_time(to_local(value, time_zone), "HH:mm", locale=language)


def format_local_datetime(value: datetime, time_zone: str, language: str) -> str:
    return format_datetime(to_local(value, time_zone), "EEE d. MMM, HH:mm", locale=language)


def format_day(value: date, language: str) -> str:
    return format_date(value, "EEEE, d. MMMM y", locale=language)


def format_size(num_bytes: int | None, language: str = "de") -> str:
    """Binary units in the reader's number format: "20,2 KB" and "500 MB" in German,
    "20.2 KB" in English; whole bytes without a decimal."""
    if num_bytes is None:
        return ""
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    pattern = "#,##0" if unit == "B" else "#,##0.#"
    return f"{format_decimal(size, pattern, locale=language)}\u00a0{unit}"


def format_number(value: float, language: str) -> str:
    """A count or decimal as the reader writes it: 1.234 / 1,234; 20,2 / 20.2."""
    return str(format_decimal(value, locale=language))


def format_clock(seconds: float) -> str:
    """``2:36`` or ``1:02:03``: a moment in a recording, or its length."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def language_name(code: str, language: str) -> str:
    """``de`` as "Deutsch" (or "German" for English visitors), via Babel."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(language) or code
    except (ValueError, UnknownLocaleError):
        return code
