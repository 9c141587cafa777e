"""Reading the demo fair's data files: the mechanism, not the data.

Each domain keeps its demo data as TOML files in its own ``demo/`` folder (the core's
series, organisations and accounts here, booths in ``booths/demo``, the programme in
``sessions/demo``) and turns them into frozen dataclasses with the helpers below. Nothing
is read when a module is imported: the seeder calls the loaders, so a broken file fails
``fair demo`` with a message naming the file, the entry and the field, not an import.

Files are found with :mod:`importlib.resources`, so they work from a wheel as well as from
a checkout; tests pass a folder of their own to try broken data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import tomllib
import types
from collections.abc import Callable, Iterator, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

EnumT = TypeVar("EnumT", bound=enum.Enum)
T = TypeVar("T")


class DemoDataError(ValueError):
    """A demo data file is unreadable or an entry in it is wrong; the message says where."""


def package_folder(package: str) -> Traversable:
    """The folder of ``package`` (e.g. ``"booths.demo"``) holding its data files."""
    return files(package)


def read_file(folder: Traversable, name: str) -> dict[str, Any]:
    """Parse the TOML file ``name`` in ``folder``; a syntax error names the file."""
    where = _label(folder, name)
    try:
        with folder.joinpath(name).open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise DemoDataError(f"{where}: file is missing") from error
    except tomllib.TOMLDecodeError as error:
        raise DemoDataError(f"{where}: not valid TOML: {error}") from error


def _label(folder: Traversable, name: str) -> str:
    """``booths/demo/booths.toml`` rather than an absolute path, so messages stay short."""
    parts = str(folder.joinpath(name)).replace("\\", "/").split("/")
    return "/".join(parts[-3:])


class Entry:
    """One table of a data file with typed, checked access to its fields.

    Every getter raises :class:`DemoDataError` naming the file, the entry and the field;
    :meth:`done` refuses fields nobody asked for, so a typo in a key does not go unnoticed.
    """

    def __init__(self, where: str, values: Mapping[str, Any]) -> None:
        self.where = where
        self._values = values
        self._read: set[str] = set()

    def fail(self, message: str) -> DemoDataError:
        return DemoDataError(f"{self.where}: {message}")

    def _get(self, name: str, kind: type | tuple[type, ...], label: str, default: Any) -> Any:
        self._read.add(name)
        if name not in self._values:
            if default is _REQUIRED:
                raise self.fail(f"field {name!r} is missing")
            return default
        value = self._values[name]
        # bool is an int and datetime a date in Python, but not in the file's meaning.
        wrong_bool = isinstance(value, bool) and bool not in _as_tuple(kind)
        wrong_date = isinstance(value, dt.datetime) and dt.datetime not in _as_tuple(kind)
        if not isinstance(value, kind) or wrong_bool or wrong_date:
            raise self.fail(f"field {name!r} must be {label}, got {value!r}")
        return value

    def text(self, name: str) -> str:
        value: str = self._get(name, str, "a text", _REQUIRED)
        if not value.strip():
            raise self.fail(f"field {name!r} is empty")
        return value

    def optional_text(self, name: str) -> str | None:
        value: str | None = self._get(name, str, "a text", None)
        return value

    def integer(self, name: str) -> int:
        value: int = self._get(name, int, "a whole number", _REQUIRED)
        return value

    def optional_integer(self, name: str) -> int | None:
        value: int | None = self._get(name, int, "a whole number", None)
        return value

    def number(self, name: str) -> float:
        value: float = self._get(name, (int, float), "a number", _REQUIRED)
        return float(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value: bool = self._get(name, bool, "true or false", default)
        return value

    def day(self, name: str) -> dt.date:
        value: dt.date = self._get(name, dt.date, "a date (YYYY-MM-DD)", _REQUIRED)
        return value

    def clock(self, name: str) -> dt.time:
        value: dt.time = self._get(name, dt.time, "a time (HH:MM:SS)", _REQUIRED)
        return value

    def moment(self, name: str) -> dt.datetime:
        value: dt.datetime = self._get(
            name, dt.datetime, "a local date and time (YYYY-MM-DDTHH:MM:SS)", _REQUIRED
        )
        if value.tzinfo is not None:
            raise self.fail(f"field {name!r} must be a local time without offset")
        return value

    def texts(self, name: str, *, required: bool = False) -> tuple[str, ...]:
        default = _REQUIRED if required else []
        values: list[Any] = self._get(name, list, "a list of texts", default)
        if not all(isinstance(v, str) for v in values):
            raise self.fail(f"field {name!r} must be a list of texts, got {values!r}")
        return tuple(values)

    def integers(self, name: str) -> tuple[int, ...]:
        values: list[Any] = self._get(name, list, "a list of whole numbers", _REQUIRED)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise self.fail(f"field {name!r} must be a list of whole numbers, got {values!r}")
        return tuple(values)

    def choice(self, name: str, kind: type[EnumT]) -> EnumT:
        """A field whose value must be one of the model's enum values."""
        value = self.text(name)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            raise self.fail(f"field {name!r} is {value!r}, expected one of: {allowed}") from None

    def typed(self, name: str, hint: Any) -> Any:
        """The field ``name`` read by the getter for the type ``hint`` (see :func:`reader`)."""
        args = get_args(hint)
        if get_origin(hint) is types.UnionType and set(args) in (
            {str, type(None)},
            {int, type(None)},
        ):
            return self.optional_text(name) if str in args else self.optional_integer(name)
        if get_origin(hint) is tuple and args in ((str, ...), (int, ...)):
            return self.texts(name) if args[0] is str else self.integers(name)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self.choice(name, hint)
        getters: dict[Any, Callable[[str], Any]] = {
            str: self.text,
            int: self.integer,
            float: self.number,
            bool: self.flag,
            dt.date: self.day,
            dt.time: self.clock,
            dt.datetime: self.moment,
        }
        if hint not in getters:
            raise TypeError(f"no getter for a field of type {hint!r} ({name!r})")
        return getters[hint](name)

    def tables(self, name: str) -> Iterator[Entry]:
        """Nested ``[[entry.name]]`` tables, each as an :class:`Entry` of its own."""
        rows: list[Any] = self._get(name, list, "a list of tables", [])
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise self.fail(f"{name} {number} must be a table")
            yield Entry(f"{self.where}, {name} {number}", row)

    def done(self) -> None:
        unknown = sorted(set(self._values) - self._read)
        if unknown:
            raise self.fail(f"unknown field(s): {', '.join(unknown)}")


_REQUIRED: Any = object()


def reader(
    cls: type[T], *, keys: Mapping[str, str] | None = None, **given: Any
) -> Callable[[Entry], T]:
    """A maker for :meth:`DataFile.each` and :func:`made` that builds the dataclass ``cls``
    by reading each field with the getter its type asks for (``str`` → :meth:`Entry.text`,
    ``str | None`` → :meth:`Entry.optional_text`, an enum → :meth:`Entry.choice`, ``date``,
    ``time``, ``datetime``, ``int``, ``float``, ``bool``, tuples of texts or numbers).

    ``keys`` names the file's key where it differs from the field's name; ``given`` sets
    fields that are not read from the file at all. Entries that need more than reading
    (resolving references, drawing defaults) keep a hand-written maker."""
    hints = get_type_hints(cls)
    names = keys or {}

    def make(entry: Entry) -> T:
        values = dict(given)
        for spec in dataclasses.fields(cls):  # type: ignore[arg-type]  # cls is a dataclass
            if spec.name not in values:
                values[spec.name] = entry.typed(names.get(spec.name, spec.name), hints[spec.name])
        return cls(**values)

    return make


def made(entry: Entry, make: Callable[[Entry], T]) -> T:
    """``make(entry)``, then a check that it read every field the entry has."""
    value = make(entry)
    entry.done()
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


class DataFile:
    """One parsed data file; hands out its tables as :class:`Entry` objects."""

    def __init__(self, folder: Traversable, name: str) -> None:
        self.where = _label(folder, name)
        self._document = read_file(folder, name)

    def rows(self, key: str) -> Iterator[Entry]:
        """The ``[[key]]`` tables, each labelled ``file: key N ('slug')``."""
        rows = self._document.get(key)
        if not isinstance(rows, list) or not rows:
            raise DemoDataError(f"{self.where}: expected one or more [[{key}]] tables")
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise DemoDataError(f"{self.where}: {key} {number} must be a table")
            label = row.get("slug") or row.get("email") or row.get("question")
            named = f" ({label!r})" if isinstance(label, str) else ""
            yield Entry(f"{self.where}: {key} {number}{named}", row)

    def each(self, key: str, make: Callable[[Entry], T]) -> tuple[T, ...]:
        """``make`` applied to every ``[[key]]`` table; fields ``make`` did not read are refused."""
        return tuple(made(entry, make) for entry in self.rows(key))

    def table(self, key: str) -> Entry:
        """The single ``[key]`` table."""
        row = self._document.get(key)
        if not isinstance(row, dict):
            raise DemoDataError(f"{self.where}: expected a [{key}] table")
        return Entry(f"{self.where}: [{key}]", row)

    def keyed(self, key: str) -> dict[str, Entry]:
        """The ``[key.NAME]`` tables by NAME."""
        row = self._document.get(key)
        if not isinstance(row, dict) or not row:
            raise DemoDataError(f"{self.where}: expected [{key}.NAME] tables")
        out: dict[str, Entry] = {}
        for name, values in row.items():
            if not isinstance(values, dict):
                raise DemoDataError(f"{self.where}: [{key}.{name}] must be a table")
            out[name] = Entry(f"{self.where}: [{key}.{name}]", values)
        return out

    def whole(self) -> Entry:
        """The top-level keys, for files of settings rather than lists."""
        return Entry(self.where, self._document)
