"""Reading a refused form the way a screen reader meets it (fair/templates/_form_errors.html):
the reason next to the field, tied to it, and linked from the error summary."""

from __future__ import annotations

import httpx
import lxml.html


def error_at(response: httpx.Response, input_id: str) -> str:
    """The reason shown next to the input ``input_id``, after checking that the input is
    marked invalid, described by that reason, and linked from the summary at the top."""
    page = lxml.html.fromstring(response.text)
    field = page.get_element_by_id(input_id)
    assert field.get("aria-invalid") == "true", (input_id, lxml.html.tostring(field))
    assert f"{input_id}-error" in str(field.get("aria-describedby")).split(), input_id
    links = page.xpath(f'//*[@id="error-summary"]//a[@href="#{input_id}"]')
    assert len(links) == 1, (input_id, "not linked from the error summary")
    return str(page.get_element_by_id(f"{input_id}-error").text_content()).strip()
