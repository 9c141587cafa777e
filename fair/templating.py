"""The Jinja2 environment: autoescape on, gettext, and the display filters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request

from fair.app_services import services_if_any
from fair.branding import Branding
from fair.formatting import (
    format_clock,
    format_day,
    format_local_datetime,
    format_local_time,
    format_number,
    format_size,
    language_name,
    render_markdown,
    to_local,
)
from fair.i18n import LANGUAGES, gettext_for
from fair.settings import PROJECT_ROOT, Settings
from fair.static_assets import static_files


def N_(message: str) -> str:
    return message


# Values of the core's enums and audit entries shown to people: German source text,
# translated through gettext. The domains add theirs (:meth:`Templates.add_labels`).
LABELS = {
    "host_region": N_("Gastgebende Region"),
    "it_provider": N_("IT-Dienstleister"),
    "municipality": N_("Kommune"),
    "ministry": N_("Ministerium"),
    "association": N_("Verband"),
    "company": N_("Unternehmen"),
    "research": N_("Forschung"),
    "organiser": N_("Organisator:in"),
    "exhibitor": N_("Aussteller:in"),
    "speaker": N_("Referent:in"),
    "attendee": N_("Besucher:in"),
    "create": N_("angelegt"),
    "edit": N_("geändert"),
    "delete": N_("gelöscht"),
    "move": N_("verschoben"),
    "cancel": N_("abgesagt"),
    "restore": N_("wieder angesetzt"),
    "publish": N_("veröffentlicht"),
    "invite": N_("eingeladen"),
    "resend": N_("Einladung erneut gesendet"),
    "revoke": N_("Einladung zurückgezogen"),
    "role": N_("Rolle geändert"),
    "remove": N_("entfernt"),
    "series": N_("Veranstaltungsreihe"),
    "day": N_("Veranstaltungstag"),
    "topic": N_("Themenfeld"),
    "organisation": N_("Organisation"),
    "person": N_("Person"),
    "programme": N_("Programm und Halle"),
    "cancelled": N_("abgesagt"),
    "running": N_("läuft"),
    "done": N_("fertig"),
    "failed": N_("fehlgeschlagen"),
}

CORE_TEMPLATES = Path(__file__).with_name("templates")


def _branding(request: Request) -> Branding:
    app = request.scope.get("app")  # absent when a partial is rendered on its own
    found = services_if_any(app) if app is not None else None
    return found.branding.current if found is not None else Branding()


@jinja2.pass_context
def _filesize(context: jinja2.runtime.Context, num_bytes: int | None) -> str:
    """``{{ n | filesize }}`` in the language the page is rendered in."""
    return format_size(num_bytes, str(context.get("lang", "de")))


class Templates:
    def __init__(self, settings: Settings, package_dirs: Sequence[Path] = ()) -> None:
        """``package_dirs``: the domains' template folders, given by the app factory (their
        names start with the package, ``booths/…``); the core's own are found first."""
        self.settings = settings
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in (CORE_TEMPLATES, *package_dirs)]),
            autoescape=jinja2.select_autoescape(
                ["html", "xml"], disabled_extensions=["txt"], default=True
            ),
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            enable_async=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["markdown"] = render_markdown
        self.env.filters["filesize"] = _filesize
        self.env.globals["static_url"] = static_files(PROJECT_ROOT / "static").url
        self.env.globals["languages"] = LANGUAGES  # one list: fair.i18n
        self.labels = dict(LABELS)

    def add_labels(self, labels: dict[str, str]) -> None:
        """A domain's enum values and audit subjects (German, marked with :func:`N_`);
        a value the core or another domain already shows differently is refused."""
        clashes = sorted(k for k, v in labels.items() if self.labels.get(k, v) != v)
        if clashes:
            raise ValueError(f"labels given twice with different texts: {clashes}")
        self.labels.update(labels)

    def render_mail(self, name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
        """``name.txt`` and ``name.html`` in ``language``, outside any request (mails go to
        people other than the one whose request sends them)."""
        tz = self.settings.time_zone
        translations = gettext_for(language)
        values: dict[str, Any] = {
            "lang": language,
            "settings": self.settings,
            "local_datetime": lambda v: format_local_datetime(v, tz, language),
            "number": lambda v: format_number(v, language),
            "_": translations.gettext,
            "gettext": translations.gettext,
            "ngettext": translations.ngettext,
            **context,
        }
        text = self.env.get_template(f"{name}.txt").render(values)
        html = self.env.get_template(f"{name}.html").render(values)
        return text, html

    def render(self, request: Request, name: str, context: dict[str, Any]) -> str:
        from fair.pagecache import TOKEN_PLACEHOLDER, is_shared_render
        from fair.web import csrf_token, current_user, language

        lang = language(request)
        tz = self.settings.time_zone
        translations = gettext_for(lang)
        values: dict[str, Any] = {
            "request": request,
            "lang": lang,
            "user": current_user(request),
            # A page every visitor gets holds a placeholder; each gets their own token.
            "csrf_token": TOKEN_PLACEHOLDER if is_shared_render(request) else csrf_token(request),
            "settings": self.settings,
            "now": self.settings.now(),
            "branding": _branding(request),
            "local_time": lambda v: format_local_time(v, tz, lang),
            "local_datetime": lambda v: format_local_datetime(v, tz, lang),
            "local": lambda v: to_local(v, tz),
            "day_name": lambda v: format_day(v, lang),
            "clock": format_clock,
            "language_name": lambda code: language_name(code, lang),
            "number": lambda v: format_number(v, lang),
            "label": lambda value: translations.gettext(self.labels.get(str(value), str(value))),
            "_": translations.gettext,
            "gettext": translations.gettext,
            "ngettext": translations.ngettext,
        }
        values.update(context)
        template = self.env.get_template(name)
        return template.render(values)
