"""German forms everywhere: plurals through gettext, numbers and file sizes through Babel,
in German and in English."""

from __future__ import annotations

import httpx
import lxml.html
import pytest

from fair.formatting import format_number, format_size
from fair.i18n import gettext_for


@pytest.mark.parametrize(
    ("num_bytes", "german", "english"),
    [
        (0, "0\u00a0B", "0\u00a0B"),
        (900, "900\u00a0B", "900\u00a0B"),
        (20_685, "20,2\u00a0KB", "20.2\u00a0KB"),
        (500 * 1024 * 1024, "500\u00a0MB", "500\u00a0MB"),
        (int(1.5 * 1024**3), "1,5\u00a0GB", "1.5\u00a0GB"),
        (3 * 1024**4, "3.072\u00a0GB", "3,072\u00a0GB"),
    ],
)
def test_file_sizes(num_bytes: int, german: str, english: str) -> None:
    assert format_size(num_bytes, "de") == german
    assert format_size(num_bytes, "en") == english


def test_numbers_and_plurals() -> None:
    assert (format_number(1234, "de"), format_number(1234, "en")) == ("1.234", "1,234")
    assert (format_number(20.25, "de"), format_number(20.25, "en")) == ("20,25", "20.25")
    for lang, one, many in (("de", "1 Stand", "3 Stände"), ("en", "1 booth", "3 booths")):
        ngettext = gettext_for(lang).ngettext
        assert ngettext("%(num)s Stand", "%(num)s Stände", 1) % {"num": 1} == one
        assert ngettext("%(num)s Stand", "%(num)s Stände", 3) % {"num": 3} == many


def _status(page: httpx.Response) -> str:
    return str(lxml.html.fromstring(page.text).findtext(".//p[@role='status']")).strip()


async def test_hall_counts_booths_in_both_languages(client: httpx.AsyncClient) -> None:
    one = await client.get("/booths?q=Schulanmeldung")
    assert _status(one).startswith("1 Stand ")
    assert _status(await client.get("/booths?q=Schulanmeldung&lang=en")).startswith("1 booth ")
    assert _status(await client.get("/booths?lang=de")).endswith("Stände")
    assert _status(await client.get("/booths?lang=en")).endswith("booths")
