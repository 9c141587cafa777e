"""The organisers' booth administration (``/organiser/booths``): every booth with its
visits, hall-wide analytics, new booths, and which exhibitor accounts keep which booth."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from booths import analytics, services
from booths.app_parts import booth_parts
from booths.queries import (
    booths_of,
    exhibitors_of,
    get_booth,
    hall_filter_choices,
)
from fair import audit
from fair.app_services import app_services
from fair.errors import HTTPError
from fair.form_errors import field_errors
from fair.i18n import gettext_for
from fair.ids import form_id
from fair.people import all_organisations
from fair.web import base_url, current_user, form_text, language, read_form, render


@dataclass(frozen=True)
class _Refusal:
    """A refused form of this page: which one (``"new"``, ``"assign-<booth id>"``), what
    was typed into it, the reasons at its fields (fair/form_errors.py), the status."""

    target: str
    values: dict[str, str]
    errors: dict[str, str]
    status_code: int


def _refusal(request: Request, error: HTTPError, target: str, form: FormData) -> _Refusal:
    if error.status_code not in (400, 409):
        raise error
    values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    errors = field_errors(error, gettext_for(language(request)).gettext)
    return _Refusal(target, values, errors, error.status_code)


async def organiser_booths(
    request: Request,
    *,
    invitation: tuple[str, str] | None = None,
    refused: _Refusal | None = None,
) -> Response:
    """The page; after a refused form, that form again with what was typed and the
    reason next to its field."""
    services.require_organiser(current_user(request))
    first, last = analytics.chart_period(app_services(request).settings)
    await booth_parts(request).visit_counts.flush()  # this process's latest page views
    async with app_services(request).db.session() as db:
        totals = await analytics.totals_per_booth(db, first=first, last=last)
        days = await analytics.daily_counts(db, booth_ids=None, first=first, last=last)
        organisations = await all_organisations(db)
        _topics, event_days, _orgs = await hall_filter_choices(db)
        exhibitors = await exhibitors_of(db, [o.id for o in organisations])
        booths = await booths_of(db, None)
    return render(
        request,
        "booths/organiser.html",
        {
            "booths": booths,
            "totals": totals,
            "chart": analytics.bar_chart(days),
            "series": analytics.SERIES,
            "hall_sums": {name: sum(d.get(name) for d in days) for name, _ in analytics.SERIES},
            "organisations": organisations,
            "days": event_days,
            "exhibitors": exhibitors,
            "saved": request.query_params.get("saved") == "1",
            "invitation": invitation,
            "form_target": refused.target if refused else None,
            "values": refused.values if refused else {},
            "errors": refused.errors if refused else {},
        },
        status_code=refused.status_code if refused else 200,
    )


async def organiser_create_booth(request: Request) -> Response:
    services.require_organiser(current_user(request))
    form = await read_form(request)
    try:
        async with app_services(request).db.session() as db:
            booth = await services.create_booth(
                db,
                slug=form_text(form, "slug", max_length=80),
                name=form_text(form, "name", max_length=200),
                organisation_id=form_id(form, "organisation"),
                day_id=form_id(form, "day", required=False),
            )
            await audit.record(db, current_user(request), "create", "booth", booth.id, booth.name)
            await db.commit()
    except HTTPError as error:
        return await organiser_booths(request, refused=_refusal(request, error, "new", form))
    return RedirectResponse(f"/booths/{booth.slug}/edit", status_code=303)


async def organiser_assign(request: Request) -> Response:
    """Add an exhibitor account to the booth's organisation, or invite a new one: the
    one-time link is shown once, on this response only (it is not stored in clear)."""
    services.require_organiser(current_user(request))
    form = await read_form(request)
    refused: _Refusal | None = None
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        try:
            email = form_text(form, "email", max_length=254)
            assignment = await services.assign_exhibitor(db, booth, email)
        except HTTPError as error:
            refused = _refusal(request, error, f"assign-{booth.id}", form)
            await db.rollback()
        else:
            await db.commit()
    if refused is not None:
        return await organiser_booths(request, refused=refused)
    if assignment.invitation_token is None:
        return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
    link = f"{base_url(request)}/invite/{assignment.invitation_token}"
    response = await organiser_booths(request, invitation=(email, link))
    response.headers["Cache-Control"] = "no-store"
    return response


async def organiser_unassign(request: Request) -> Response:
    services.require_organiser(current_user(request))
    form = await read_form(request)
    async with app_services(request).db.session() as db:
        booth = await get_booth(db, request.path_params["slug"])
        await services.remove_exhibitor(db, booth, form_id(form, "user"))
        await db.commit()
    return RedirectResponse("/organiser/booths?saved=1#assign", status_code=303)
