"""Ids from URLs and forms: only what both databases can store reaches a query.

PostgreSQL ``integer`` columns refuse values over 2**31 - 1 with an error (a 500 if it got
that far), and ``int()`` of a long digit string is refused by Python itself; so every id is
checked here first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, overload

from fair.errors import HTTPError

MAX_ID = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """The id in ``raw``, or None unless it is 1 … 2**31-1 written in ASCII digits."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdecimal() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def query_id(params: Mapping[str, str], name: str) -> int | None:
    """An optional id filter from the query string; 400 naming the parameter if bad."""
    raw = params.get(name)
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        raise HTTPError(400, f"{name}: keine gültige ID (1–{MAX_ID})", field=name)
    return value


def path_id(params: Mapping[str, str], name: str, what: str) -> int:
    """An id from the URL path; 404 naming the thing ("Aufzeichnung nicht gefunden.")."""
    value = parse_id(params[name])
    if value is None:
        raise HTTPError(404, f"{what} nicht gefunden.")
    return value


@overload
def form_id(form: Mapping[str, object], name: str, *, required: Literal[True] = ...) -> int: ...


@overload
def form_id(form: Mapping[str, object], name: str, *, required: bool) -> int | None: ...


def form_id(form: Mapping[str, object], name: str, *, required: bool = True) -> int | None:
    """The id a form field chose (a ``<select>`` or hidden field): 400 naming the field when
    it is missing but required ("Pflichtfeld") or not an id both databases can store
    ("ungültige Auswahl"); None when it is optional and empty. The one parser of form ids,
    so every form refuses a bad choice the same way, before any query."""
    raw = form.get(name)
    text = raw.strip() if isinstance(raw, str) else raw
    if text is None or text == "":
        if required:
            raise HTTPError(400, f"{name}: Pflichtfeld", field=name)
        return None
    value = parse_id(text)
    if value is None:
        raise HTTPError(400, f"{name}: ungültige Auswahl", field=name)
    return value
