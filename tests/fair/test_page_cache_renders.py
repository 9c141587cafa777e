"""A render is stored unless something it shows changed while it ran.

Found by the busiest-hour benchmark (bench/busiest_hour.py): with one version for every
tag, any commit during a render (a chat message in another talk, a Q&A vote) refused to
store it, so under 20 chat messages and 10 votes a second the cache stopped filling
again after an exhibitor's edit emptied it, every page was rendered on every request and
page latency went from milliseconds to the 10 s timeout.
"""

from __future__ import annotations

from fair.changes import entry_tags
from fair.pagecache import CachedPage, PageCache


def _page(*tags: str) -> CachedPage:
    return CachedPage(
        status=200,
        headers=[],
        body=b"<html></html>",
        gzipped=None,
        digest="d",
        last_modified=0.0,
        tags=entry_tags(tags),
        has_token=False,
    )


def test_a_render_is_kept_when_only_other_pages_changed_while_it_ran() -> None:
    cache = PageCache(1 << 20)
    began = cache.version
    cache.invalidate({"chat_messages:session:9"})  # another talk's chat
    cache.invalidate({"question_votes", "questions"})  # a vote (bulk statement)
    assert cache.put(("/programme", "de"), _page(), began)
    assert cache.put(("/sessions/1", "de"), _page("chat_messages:session:1"), began)
    assert cache.get(("/programme", "de")) is not None


def test_a_render_is_refused_when_what_it_shows_changed_while_it_ran() -> None:
    cache = PageCache(1 << 20)
    page = _page("chat_messages:session:1", "questions:1")
    for change in (
        {"chat_messages:session:1"},  # its own chat
        {"questions:1"},  # a question in its Q&A
        {"questions"},  # a bulk statement on the table of one of its tags
        {"*"},  # anything every page may show (a booth edit)
    ):
        began = cache.version
        cache.invalidate(change)
        assert not cache.put(("/sessions/1", "de"), page, began), change
        assert cache.get(("/sessions/1", "de")) is None


def test_clear_refuses_every_render_under_way() -> None:
    cache = PageCache(1 << 20)
    began = cache.version
    cache.clear()
    assert not cache.put(("/programme", "de"), _page(), began)
    assert cache.put(("/programme", "de"), _page(), cache.version)
