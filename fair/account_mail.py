"""Mails about accounts (invitations, password resets), rendered from the app's Jinja
templates as plain text plus HTML in the recipient's language, and queued on the app's
mailer. Without SMTP the caller shows a copyable link instead."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from fair.i18n import gettext_for
from fair.mail import Mail


def mail_enabled(app: Starlette) -> bool:
    mailer = getattr(app.state, "mailer", None)
    return bool(mailer is not None and mailer.enabled)


async def send_account_mail(
    app: Starlette, *, to: str, template: str, language: str, context: dict[str, Any]
) -> None:
    """Render ``mail/<template>.txt`` and ``.html`` and queue them for ``to``."""
    translations = gettext_for(language)
    env = app.state.templates.env
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
    await app.state.mailer.send(Mail(to=to, subject=subject, text=text, html=html))
