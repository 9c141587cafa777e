"""German full-text search, the same on both backends: the text analysis every search
index of the fair uses (booths in :mod:`booths.search`, the programme in
:mod:`sessions.search`).

* SQLite (embedded default): FTS5 tables. FTS5 has no German stemmer, so text is
  stemmed here before it is indexed, and queries are stemmed the same way, with the
  same Snowball German stemmer and stop list PostgreSQL uses (:func:`german_stem`);
  "Schulanmeldung" and "Schulanmeldungen" both become ``schulanmeld``.
* PostgreSQL (production): ``tsvector`` columns with the built-in ``german``
  configuration and GIN indexes, given the same plain words (:func:`plain_words`).

So both databases find the same things (``tests/fair/test_search_backends.py``).
"""

from __future__ import annotations

import re
import threading
from functools import cache
from importlib.resources import files

import Stemmer

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
"""A word as PostgreSQL's default parser sees one: letters and digits (``_`` splits)."""


# --------------------------------------------------------------------------- stemming


@cache
def german_stop_words() -> frozenset[str]:
    """Snowball's German stop list, the very file PostgreSQL's ``german`` configuration
    reads (``tsearch_data/german.stop``): words dropped from documents and queries."""
    listed = files("fair").joinpath("german.stop").read_text(encoding="utf-8")
    return frozenset(word.strip() for word in listed.splitlines() if word.strip())


_stemmers = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # A PyStemmer object is not safe to share between threads: one per thread.
    stemmer: Stemmer.Stemmer | None = getattr(_stemmers, "german", None)
    if stemmer is None:
        stemmer = _stemmers.german = Stemmer.Stemmer("german")
    return stemmer


def german_stem(word: str) -> str:
    """Snowball German (PyStemmer, pinned to the Snowball release PostgreSQL 15 ships),
    lower-cased first as PostgreSQL does: ``Schulanmeldungen`` → ``schulanmeld``. A word
    with a digit stays as it is, as PostgreSQL hands it to its ``simple`` dictionary."""
    word = word.lower()
    if any(ch.isdigit() for ch in word):
        return word
    return str(_stemmer().stemWord(word))


def plain_words(value: str) -> str:
    """``value`` as words separated by spaces, the form both backends are given, so that
    PostgreSQL's parser never sees an e-mail address, host or date as one token while
    SQLite sees its parts."""
    return " ".join(_WORD.findall(value))


def index_words(value: str) -> list[str]:
    """What PostgreSQL's ``to_tsvector('german', plain_words(value))`` keeps of
    ``value``: every word lower-cased, stop words dropped, the rest stemmed."""
    stop = german_stop_words()
    return [german_stem(w) for w in _WORD.findall(value.lower()) if w not in stop]


def stem_text(value: str) -> str:
    """:func:`index_words` space-separated: what the SQLite FTS5 tables store."""
    return " ".join(index_words(value))


def query_terms(query: str) -> list[str]:
    """The words of a search box entry: letters and digits only, so no query syntax
    (quotes, NEAR, column filters, tsquery operators) ever reaches the database."""
    return _WORD.findall(query[:MAX_QUERY_CHARS])[:MAX_QUERY_TERMS]


def fts5_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression for pre-stemmed columns: each word stemmed and quoted as
    a prefix query, AND-ed ("schul" finds "Schulanmeldung"). Stop words are dropped as
    PostgreSQL drops them, so a query of stop words alone finds nothing on both."""
    return " ".join(f'"{s}"*' for s in index_words(" ".join(terms)) if s)


def pg_tsquery(terms: list[str]) -> str:
    """A to_tsquery('german', …) text: each word stemmed by the german config, ':*'
    makes it a prefix, AND-ed."""
    return " & ".join(f"{w}:*" for w in terms if w)


__all__ = [
    "MAX_QUERY_CHARS",
    "fts5_match",
    "german_stem",
    "german_stop_words",
    "index_words",
    "pg_tsquery",
    "plain_words",
    "query_terms",
    "stem_text",
]
