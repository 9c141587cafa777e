"""Lists people put in order by hand (FAQ entries, a talk's slides): move one item a place
up or down. Positions are numbered afresh 0..n-1 on every move, so gaps left by deleted
items never make a move look like it did nothing."""

from __future__ import annotations

from typing import Literal, Protocol, TypeVar

from fair.errors import bad_request

Direction = Literal["up", "down"]


class Positioned(Protocol):
    position: int


P = TypeVar("P", bound=Positioned)


def parse_direction(raw: object) -> Direction:
    """The form's ``direction`` field; anything but "up" or "down" is a 400 naming it."""
    if raw == "up":
        return "up"
    if raw == "down":
        return "down"
    raise bad_request("direction", "'up' oder 'down'")


def move(items: list[P], item: P, direction: Direction) -> None:
    """Swap ``item`` (one of ``items``, in their current order) with its neighbour above
    or below, then renumber; at either end nothing moves."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items):
        each.position = position
