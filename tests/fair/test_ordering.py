"""Moving one item of a hand-ordered list (FAQ entries, a talk's slides) a place."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fair.errors import HTTPError
from fair.ordering import move, parse_direction


@dataclass
class Item:
    name: str
    position: int


def _items() -> list[Item]:
    # gaps and a duplicate, as deletions and old data leave them
    return [Item("a", 0), Item("b", 4), Item("c", 4), Item("d", 9)]


def _order(items: list[Item]) -> list[tuple[str, int]]:
    return [(i.name, i.position) for i in sorted(items, key=lambda i: i.position)]


def test_moves_swap_with_the_neighbour_and_renumber() -> None:
    items = _items()
    move(items, items[2], "up")
    assert _order(items) == [("a", 0), ("c", 1), ("b", 2), ("d", 3)]
    move(items, items[1], "down")
    assert _order(items) == [("a", 0), ("b", 1), ("c", 2), ("d", 3)]


def test_at_either_end_nothing_moves_but_gaps_close() -> None:
    items = _items()
    move(items, items[0], "up")
    move(items, items[-1], "down")
    assert _order(items) == [("a", 0), ("b", 1), ("c", 2), ("d", 3)]


@pytest.mark.parametrize("raw", ["", "left", None, "UP"])
def test_a_bad_direction_is_a_400_naming_the_field(raw: object) -> None:
    with pytest.raises(HTTPError) as refused:
        parse_direction(raw)
    assert refused.value.status_code == 400 and refused.value.field == "direction"
