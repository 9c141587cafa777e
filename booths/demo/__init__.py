"""The booths of the demo fair: ``booths.toml`` plus generated contacts and materials.

Writing 72 booths' contact persons by hand would be tedious and no more instructive, so
they (and the materials of booths that list none) are drawn from the building blocks in
``generated.toml``. The draw uses its own ``random.Random(2020)`` created per call, in booth
order, so every load gives the same fair and nothing is held between calls.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable

from booths.models import MaterialKind
from fair.demo import DataFile, DemoDataError, Entry, made, package_folder, reader

SEED = 2020


@dataclass(frozen=True)
class Material:
    title: str
    kind: MaterialKind
    filename: str | None = None  # for files (pdf / slides / video)
    size_bytes: int | None = None  # estimate, for files only
    url: str | None = None  # for links only


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    email: str
    phone: str
    availability: str


@dataclass(frozen=True)
class Booth:
    slug: str
    org: str  # Organisation.slug
    name: str
    tagline: str
    description: str  # Markdown, German
    topics: tuple[str, ...]  # 1–2 Topic.slug
    day: int  # index of the fair day on which the booth is featured
    materials: tuple[Material, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class _Person:
    name: str
    email: str  # the ASCII form used in e-mail addresses


@dataclass(frozen=True)
class _MaterialTemplate:
    kind: MaterialKind
    title: str
    target: str  # file name, or URL for links; {name} and {slug} are filled in
    min_bytes: int
    max_bytes: int


@dataclass(frozen=True)
class _Blocks:
    """The contents of ``generated.toml``."""

    contact_counts: tuple[int, ...]
    material_counts: tuple[int, ...]
    at_booth_share: float
    at_booth_availability: str
    phone: str
    email_domains: tuple[str, ...]
    roles: tuple[str, ...]
    availability: tuple[str, ...]
    first_names: tuple[_Person, ...]
    last_names: tuple[_Person, ...]
    materials: tuple[_MaterialTemplate, ...]


def load_booths(day_dates: Sequence[date], folder: Traversable | None = None) -> tuple[Booth, ...]:
    """Read ``booths.toml`` and generate what it leaves out; ``day_dates`` are the fair days."""
    folder = folder or package_folder(__package__ or "booths.demo")
    generator = _Generator(_read_blocks(DataFile(folder, "generated.toml")))
    return DataFile(folder, "booths.toml").each(
        "booth", lambda entry: _booth(entry, generator, list(day_dates))
    )


def _booth(entry: Entry, generator: _Generator, day_dates: list[date]) -> Booth:
    slug, name = entry.text("slug"), entry.text("name")
    featured = entry.day("day")
    if featured not in day_dates:
        raise entry.fail(f"day {featured} is not one of the fair days")
    day = day_dates.index(featured)
    own = tuple(made(row, reader(Material)) for row in entry.tables("material"))
    return Booth(
        slug=slug,
        org=entry.text("org"),
        name=name,
        tagline=entry.text("tagline"),
        description=entry.text("description"),
        topics=entry.texts("topics", required=True),
        day=day,
        materials=own or generator.materials(slug, name),
        contacts=generator.contacts(day),
    )


def _template(entry: Entry) -> _MaterialTemplate:
    return _MaterialTemplate(
        kind=entry.choice("kind", MaterialKind),
        title=entry.text("title"),
        target=entry.text("target"),
        min_bytes=entry.optional_integer("min_bytes") or 0,
        max_bytes=entry.optional_integer("max_bytes") or 0,
    )


def _read_blocks(source: DataFile) -> _Blocks:
    whole = source.whole()

    def people(name: str) -> tuple[_Person, ...]:
        found = tuple(made(row, reader(_Person)) for row in whole.tables(name))
        if not found:
            raise whole.fail(f"field {name!r} needs at least one entry")
        return found

    def counts(name: str) -> tuple[int, ...]:
        values = whole.integers(name)
        if not values or min(values) < 1:
            raise whole.fail(f"field {name!r} needs whole numbers of at least 1")
        return values

    blocks = _Blocks(
        contact_counts=counts("contact_counts"),
        material_counts=counts("material_counts"),
        at_booth_share=whole.number("at_booth_share"),
        at_booth_availability=whole.text("at_booth_availability"),
        phone=whole.text("phone"),
        email_domains=whole.texts("email_domains", required=True),
        roles=whole.texts("roles", required=True),
        availability=whole.texts("availability", required=True),
        first_names=people("first_names"),
        last_names=people("last_names"),
        materials=tuple(made(row, _template) for row in whole.tables("material")),
    )
    whole.done()
    if max(blocks.material_counts) > len(blocks.materials):
        raise DemoDataError(f"{source.where}: material_counts exceed the material templates")
    return blocks


class _Generator:
    """Draws contacts and materials; one instance per load, so each load starts afresh."""

    def __init__(self, blocks: _Blocks) -> None:
        self.blocks = blocks
        self.rng = random.Random(SEED)
        self.used_names: set[str] = set()

    def contacts(self, day: int) -> tuple[Contact, ...]:
        blocks, rng = self.blocks, self.rng
        contacts: list[Contact] = []
        for _ in range(rng.choice(blocks.contact_counts)):
            while True:  # a new name, and not two colleagues sharing a surname at one booth
                first, last = rng.choice(blocks.first_names), rng.choice(blocks.last_names)
                name = f"{first.name} {last.name}"
                if name not in self.used_names and all(
                    not c.name.endswith(" " + last.name) for c in contacts
                ):
                    self.used_names.add(name)
                    break
            if rng.random() < blocks.at_booth_share:
                availability = blocks.at_booth_availability.format(day=day + 1)
            else:
                availability = rng.choice(blocks.availability)
            role = rng.choice(blocks.roles)
            domain = rng.choice(blocks.email_domains)
            contacts.append(
                Contact(
                    name=name,
                    role=role,
                    email=f"{first.email}.{last.email}@{domain}",
                    phone=blocks.phone.format(number=len(self.used_names) + 100),
                    availability=availability,
                )
            )
        return tuple(contacts)

    def materials(self, slug: str, name: str) -> tuple[Material, ...]:
        templates, rng = self.blocks.materials, self.rng
        count = rng.choice(self.blocks.material_counts)
        out: list[Material] = []
        for index in sorted(rng.sample(range(len(templates)), count)):
            template = templates[index]
            title = template.title.format(name=name, slug=slug)
            target = template.target.format(name=name, slug=slug)
            if template.kind == MaterialKind.link:
                out.append(Material(title, template.kind, url=target))
            else:
                size = rng.randint(template.min_bytes, template.max_bytes) // 1000 * 1000
                out.append(Material(title, template.kind, filename=target, size_bytes=size))
        return tuple(out)
