"""Mails about accounts (invitations, password resets), rendered from the app's Jinja
templates as plain text plus HTML in the recipient's language, and queued on the app's
mailer. Without SMTP the caller shows a copyable link instead."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from fair.app_services import app_services, services_if_any
from fair.i18n import gettext_for
from fair.mail import Mail


def mail_enabled(app: Starlette) -> bool:
    found = services_if_any(app)
    return bool(found is not None and found.mailer.enabled)


async def send_account_mail(
    app: Starlette, *, to: str, template: str, language: str, context: dict[str, Any]
) -> None:
    """Render ``mail/<template>.txt`` and ``.html`` and queue them for ``to``."""
    translations = gettext_for(language)
    env = app_services(app).templates.env
    values = {
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "lang": language,
        **context,
    }
    subject = env.get_template(f"mail/{template}.subject.txt").render(values).strip()
    text = env.get_template(f"mail/{template}.txt").render(values)
    html = env.get_template(f"mail/{template}.html").render(values)
    await app_services(app).mailer.send(Mail(to=to, subject=subject, text=text, html=html))
