"""Slugs for addresses: one rule for every slug the app makes (series, stages, topics,
organisations, programme items, imported schedules).

German umlauts are spelled out as Germans do when they cannot write them (``ä`` → ``ae``,
``ß`` → ``ss``), so "Bürgerservice" becomes ``buergerservice`` and not ``burgerservice``;
everything else is transliterated by python-slugify (Unidecode tables).
"""

from __future__ import annotations

from slugify import slugify as _library_slugify

_GERMAN = [
    ["Ä", "Ae"],
    ["Ö", "Oe"],
    ["Ü", "Ue"],
    ["ä", "ae"],
    ["ö", "oe"],
    ["ü", "ue"],
    ["ß", "ss"],
    ["ẞ", "SS"],
]


def slugify(text: str, max_length: int = 80, fallback: str = "programmpunkt") -> str:
    """Lower-case ASCII letters, digits and single hyphens, at most ``max_length`` long;
    ``fallback`` when nothing of ``text`` is left."""
    slug = _library_slugify(text, max_length=max_length, replacements=_GERMAN)
    return slug or fallback
