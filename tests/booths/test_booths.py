"""The exhibition hall over HTTP on SQLite and PostgreSQL: booth pages, contact requests
with consent, analytics, the exhibitor dashboard, leads export, editing, organisers."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import lxml.html
from sqlalchemy import select, update
from starlette.applications import Starlette

from booths import analytics
from booths.app_parts import booth_parts
from booths.models import Booth, BoothDailyStats, ContactRequest, Material
from fair.app_services import app_services
from fair.formatting import render_markdown
from fair.models import Membership, User
from tests.support.app import csrf_of, login, submit_form
from tests.support.booth_helpers import (
    KRZ,
    ORGANISER,
    OTHER,
    OWN,
    booth_ids,
    booth_state,
    client_of,
    contact_booth,
    edit_booth,
    error_text,
)
from tests.support.query_budget import counted_queries

# --------------------------------------------------------------------------- pages


async def test_booth_page_shows_materials_contacts_and_consent_form(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(f"/booths/{OTHER}")
    assert page.status_code == 200
    text = page.text
    assert "Esra Rüther" in text and "Fachliche Ansprechperson" in text
    assert "+49 30 123456-101" in text and "während der Messe am Stand" in text
    assert "Datenblatt und Schnittstellen" in text and 'class="badge">PDF<' in text
    assert 'href="https://example.org/demo/ge-buerger-app"' in text
    # The consent names the exhibitor, the purpose and the retention period.
    consent = re.search(r'<label for="cr-consent">(.*?)</label>', text, re.S)
    assert consent is not None
    assert "Stadt Gelsenkirchen" in consent.group(1)
    assert "Zweck:" in consent.group(1) and "180 Tagen" in consent.group(1)
    assert 'name="consent" type="checkbox"' in text
    assert f'data-channel-url="/ws/booths/{OTHER}"' in text  # booth chat (programme package)
    assert "<script" not in text.split("<main", 1)[1].split("</main>")[0]


async def test_english_booth_page(client: httpx.AsyncClient) -> None:
    page = await client.get(f"/booths/{OTHER}?lang=en")
    assert "Get in touch" in page.text and "Send request" in page.text
    assert "I consent" in page.text and "180 days" in page.text


def _unsafe_markup(html: str) -> list[str]:
    """Script elements, event-handler attributes and script/data URLs in parsed HTML."""
    found = []
    for element in lxml.html.fragment_fromstring(html, create_parent="div").iter():
        if element.tag in ("script", "iframe", "object", "embed", "img", "svg", "style"):
            found.append(str(element.tag))
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(name)
            if name in ("href", "src") and value.strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(value)
    return found


def test_markdown_is_sanitised() -> None:
    html = str(
        render_markdown(
            "Hallo <script>alert(1)</script>\n\n"
            '<img src=x onerror="alert(2)">\n\n'
            "[klick](javascript:alert(3)) [ok](https://example.org) "
            '<a href="javascript:alert(4)" onclick="x()">a</a> [j](JaVaScRiPt:alert(5))\n\n'
            "[data](data:text/html;base64,PHNjcmlwdD4=) **fett** ![bild](javascript:alert(6))"
        )
    )
    assert _unsafe_markup(html) == []
    assert "&lt;script&gt;" in html  # shown as text, never as markup
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html
    assert "<strong>fett</strong>" in html


async def test_booth_description_is_sanitised_on_the_page(client: httpx.AsyncClient) -> None:
    await login(client, KRZ)
    response = await edit_booth(
        client,
        name="Schüler Online",
        description='<script>alert(1)</script> [x](javascript:alert(2)) <b onmouseover="y">',
    )
    assert response.status_code == 303
    page = (await client.get(f"/booths/{OWN}")).text
    about = page.split('id="about">', 1)[1].split("</section>", 1)[0].split("</h2>", 1)[1]
    assert _unsafe_markup(about) == []
    assert "&lt;script&gt;" in about


# --------------------------------------------------------------------------- contact requests


async def _contact(client: httpx.AsyncClient, slug: str, **fields: str) -> httpx.Response:
    data = {"name": "Eva Muster", "email": "eva@example.org", "message": "Bitte um Rückruf."}
    return await contact_booth(client, slug, **(data | fields))


async def test_contact_request_without_consent_is_refused_and_not_stored(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    before = await booth_state(demo_app, OTHER)
    response = await _contact(client, OTHER)
    assert response.status_code == 400
    assert "Einwilligung" in error_text(response)
    assert 'value="Eva Muster"' in response.text  # the form keeps what was typed
    response = await _contact(client, OTHER, consent="on")  # anything but the value "yes"
    assert response.status_code == 400
    assert await booth_state(demo_app, OTHER) == before
    async with app_services(demo_app).db.session() as db:
        assert (await db.scalars(select(ContactRequest))).all() == []
        stats = (await db.scalars(select(BoothDailyStats))).all()
        assert all(s.contact_requests == 0 for s in stats)


async def test_contact_request_with_consent_reaches_only_that_exhibitor(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    booth_id, _, contacts = await booth_ids(demo_app, OWN)
    response = await _contact(
        client, OWN, consent="yes", contact_person=str(contacts[0]), message="=HYPERLINK(1)"
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?sent=1#contact-form")
    async with app_services(demo_app).db.session() as db:
        lead = (await db.scalars(select(ContactRequest))).one()
        assert (lead.booth_id, lead.contact_person_id) == (booth_id, contacts[0])
        assert lead.retention_days == 180
        assert lead.expires_at - lead.consented_at == timedelta(days=180)
        assert "Kommunales Rechenzentrum" in lead.consent_text or "krz" in lead.consent_text
        assert "Zweck:" in lead.consent_text
    # The krz exhibitor sees it in the inbox and the CSV; formulas are neutralised.
    await login(client, KRZ)
    dashboard = await client.get("/exhibitor")
    assert "Eva Muster" in dashboard.text and "eva@example.org" in dashboard.text
    export = await client.get("/exhibitor/leads.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment")
    assert export.content.startswith("\ufeff".encode())  # German Excel reads UTF-8 then
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["Name"], r["E-Mail"], r["Nachricht"]) for r in rows] == [
        ("Eva Muster", "eva@example.org", "'=HYPERLINK(1)")
    ]
    assert rows[0]["Aufbewahrung (Tage)"] == "180" and rows[0]["Einwilligung"]
    assert rows[0]["Ansprechperson"]  # the person the visitor chose reaches the export
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", rows[0]["Eingegangen"])
    english = await client.get("/exhibitor/leads.csv?lang=en")
    header = english.text.lstrip("\ufeff").split("\r\n", 1)[0]
    assert header.startswith("Booth;Received;Name;E-mail;Contact person;Message")
    # Another exhibitor, and the organiser, see nothing of it.
    await login(client, "aussteller.gelsenkirchen@example.org")
    assert "Eva Muster" not in (await client.get("/exhibitor")).text
    other_export = await client.get("/exhibitor/leads.csv")
    assert "Eva Muster" not in other_export.text
    assert (await client.get(f"/exhibitor/leads.csv?booth={OWN}")).status_code == 403
    await login(client, ORGANISER)
    assert (await client.get(f"/exhibitor/leads.csv?booth={OWN}")).status_code == 403


async def test_expired_contact_requests_are_deleted(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    assert (await _contact(client, OWN, consent="yes")).status_code == 303
    async with app_services(demo_app).db.session() as db:
        await db.execute(
            update(ContactRequest).values(expires_at=ContactRequest.consented_at - timedelta(1))
        )
        await db.commit()
    await login(client, KRZ)
    assert "Eva Muster" not in (await client.get("/exhibitor")).text
    async with app_services(demo_app).db.session() as db:
        assert (await db.scalars(select(ContactRequest))).all() == []


async def test_contact_requests_are_rate_limited_per_client(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    for _ in range(5):
        assert (await _contact(client, OWN, consent="yes")).status_code == 303
    response = await _contact(client, OWN, consent="yes")
    assert response.status_code == 429
    assert "Zu viele" in error_text(response)
    async with app_services(demo_app).db.session() as db:
        assert len((await db.scalars(select(ContactRequest))).all()) == 5


async def test_refused_contact_requests_do_not_use_up_the_limit(
    client: httpx.AsyncClient,
) -> None:
    """Only accepted requests count: a visitor correcting the form is not refused for it."""
    for _ in range(6):
        assert (await _contact(client, OWN)).status_code == 400  # no consent
    assert (await _contact(client, OWN, consent="yes")).status_code == 303


# --------------------------------------------------------------------------- analytics


async def _stats(app: Starlette, slug: str) -> tuple[int, int, int, int]:
    await booth_parts(app).visit_counts.flush()  # page views are written in batches
    async with app_services(app).db.session() as db:
        row = await db.scalar(
            select(BoothDailyStats)
            .join(Booth, Booth.id == BoothDailyStats.booth_id)
            .where(Booth.slug == slug)
        )
        if row is None:
            return (0, 0, 0, 0)
        return (row.visits, row.unique_visitors, row.downloads, row.contact_requests)


async def test_visits_and_unique_visitors_without_identity(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    for _ in range(3):
        assert (await client.get(f"/booths/{OWN}")).status_code == 200
    await client.get(f"/booths/{OTHER}")
    assert await _stats(demo_app, OWN) == (3, 1, 0, 0)
    assert await _stats(demo_app, OTHER) == (1, 1, 0, 0)
    seen = client.cookies.get(analytics.SEEN_COOKIE)
    assert seen is not None and re.fullmatch(r"\d{4}-\d\d-\d\d(\.\d+){2}", seen.strip('"'))
    # A second browser (no cookie) is another unique visitor.
    client.cookies.clear()
    await client.get(f"/booths/{OWN}")
    assert await _stats(demo_app, OWN) == (4, 2, 0, 0)
    # A yesterday's cookie does not suppress today's count.
    client.cookies.set(
        analytics.SEEN_COOKIE, "2000-01-01.1.2.3", domain="testserver.local", path="/booths"
    )
    await client.get(f"/booths/{OTHER}")
    assert await _stats(demo_app, OTHER) == (2, 2, 0, 0)
    assert (await _contact(client, OTHER, consent="yes")).status_code == 303
    assert await _stats(demo_app, OTHER) == (3, 2, 0, 1)  # the form page was a visit too


def test_chart_geometry() -> None:
    day = analytics.local_today("Europe/Berlin")
    days = [analytics.DayCounts(day - timedelta(1), 10, 4, 2, 1), analytics.DayCounts(day)]
    chart = analytics.bar_chart(days)
    assert len(chart.bars) == 8
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 10 and tallest.y == chart.plot_top
    assert all(b.height == 0 for b in chart.bars[4:])
    assert chart.gridlines[0][1] == 0 and chart.gridlines[-1][1] == chart.maximum


async def test_dashboard_chart_is_server_rendered_svg(client: httpx.AsyncClient) -> None:
    await client.get(f"/booths/{OWN}")
    await login(client, KRZ)
    page = await client.get("/exhibitor")
    assert page.status_code == 200
    assert "Schüler Online" in page.text and "DigiCheck@Kom" in page.text
    assert page.text.count("<svg") == 2  # one chart per booth of krz
    assert re.search(r'<rect class="chart-bar chart-visits"[^>]*><title>1</title>', page.text)
    assert "<script" not in page.text.split("<main", 1)[1].split("</main>")[0]
    assert '<th scope="col">Besuche</th>' in page.text  # the same numbers as a table


async def test_dashboard_and_organiser_pages_need_the_right_role(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/exhibitor")).status_code == 401
    assert (await client.get("/organiser/booths")).status_code == 401
    await login(client, "ana.ribeiro@example.com")  # a speaker
    assert (await client.get("/exhibitor")).status_code == 403
    assert (await client.get(f"/booths/{OWN}/edit")).status_code == 403
    await login(client, KRZ)
    assert (await client.get("/organiser/booths")).status_code == 403
    assert (await client.get(f"/booths/{OTHER}/edit")).status_code == 403
    assert (await client.get(f"/booths/{OWN}/edit")).status_code == 200


# --------------------------------------------------------------------------- editing


async def test_exhibitor_edits_text_topics_contacts_and_links(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    response = await edit_booth(
        client,
        name="Schüler Online NRW",
        tagline="Neu",
        description="Jetzt **für alle**.",
        topics=["bildung", "e-government"],
    )
    token = await csrf_of(client, f"/booths/{OWN}/edit")
    assert response.status_code == 303, error_text(response)
    bad = await client.post(
        f"/booths/{OWN}/edit", data={"csrf_token": token, "name": "x", "topics": "no-such-topic"}
    )
    assert bad.status_code == 400 and "Themenfelder: unbekanntes Themenfeld" in error_text(bad)
    assert (await client.post(f"/booths/{OWN}/edit", data={"name": "x"})).status_code == 403
    state = await booth_state(demo_app, OWN)
    assert state["text"][:3] == ("Schüler Online NRW", "Neu", "Jetzt **für alle**.")
    assert state["topics"] == ["bildung", "e-government"]

    response = await client.post(
        f"/booths/{OWN}/contacts",
        data={"csrf_token": token, "name": "Jana Neu", "role": "Vertrieb", "email": "jana@ex"},
    )
    assert response.status_code == 400 and "email" in error_text(response)
    response = await client.post(
        f"/booths/{OWN}/contacts",
        data={"csrf_token": token, "name": "Jana Neu", "email": "jana@example.org"},
    )
    assert response.status_code == 303
    _, _, contacts = await booth_ids(demo_app, OWN)
    new_id = contacts[-1]
    response = await client.post(
        f"/booths/{OWN}/contacts/{new_id}",
        data={"csrf_token": token, "name": "Jana Neu", "availability": "Di 10–12 Uhr"},
    )
    assert response.status_code == 303
    page = (await client.get(f"/booths/{OWN}")).text
    assert "Jana Neu" in page and "Di 10–12 Uhr" in page
    response = await client.post(
        f"/booths/{OWN}/contacts/{new_id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert "Jana Neu" not in (await client.get(f"/booths/{OWN}")).text

    response = await client.post(
        f"/booths/{OWN}/links",
        data={"csrf_token": token, "title": "Böse", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 400 and "url" in error_text(response)
    response = await client.post(
        f"/booths/{OWN}/links",
        data={"csrf_token": token, "title": "Projektseite", "url": "https://example.org/p"},
    )
    assert response.status_code == 303
    page = (await client.get(f"/booths/{OWN}")).text
    assert '<a href="https://example.org/p" rel="noopener noreferrer">Projektseite</a>' in page


async def test_soft_delete_hides_material_but_keeps_the_row(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await login(client, KRZ)
    _, materials, _ = await booth_ids(demo_app, OWN)
    async with app_services(demo_app).db.session() as db:
        title = (await db.get(Material, materials[0])).title
    token = await csrf_of(client, f"/booths/{OWN}/edit")
    response = await client.post(
        f"/booths/{OWN}/materials/{materials[0]}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert title not in (await client.get(f"/booths/{OWN}")).text
    async with app_services(demo_app).db.session() as db:
        material = await db.get(Material, materials[0])
        assert material is not None and material.deleted_at is not None
    again = await client.post(
        f"/booths/{OWN}/materials/{materials[0]}/delete", data={"csrf_token": token}
    )
    assert again.status_code == 404
    download = await client.get(f"/booths/{OWN}/materials/{materials[0]}/download")
    assert download.status_code == 404


# --------------------------------------------------------------------------- organisers


async def test_organiser_creates_booth_assigns_exhibitor_and_sees_hall_analytics(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    await client.get(f"/booths/{OWN}")
    await client.get(f"/booths/{OTHER}")
    await login(client, ORGANISER)
    page = await client.get("/organiser/booths")
    assert page.status_code == 200
    assert "<svg" in page.text
    hall_sums = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page.text)
    assert ("Besuche", "2") in hall_sums and ("Eindeutige Besucher", "2") in hall_sums

    token = await csrf_of(client, "/organiser/booths")
    async with app_services(demo_app).db.session() as db:
        org_id = await db.scalar(select(Booth.organisation_id).where(Booth.slug == OTHER))
    for bad_slug in ("Bad Slug", "../x", OWN):
        response = await client.post(
            "/organiser/booths",
            data={"csrf_token": token, "slug": bad_slug, "name": "N", "organisation": org_id},
        )
        assert response.status_code in (400, 409), bad_slug
    response = await client.post(
        "/organiser/booths",
        data={"csrf_token": token, "slug": "ge-neu", "name": "Neuer Stand", "organisation": org_id},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/booths/ge-neu/edit"
    assert (await client.get("/booths/ge-neu")).status_code == 200

    # krz's exhibitor becomes a member of Gelsenkirchen and may then edit its booth.
    response = await client.post(
        "/organiser/booths/ge-neu/exhibitors", data={"csrf_token": token, "email": KRZ}
    )
    assert response.status_code == 303
    response = await client.post(
        "/organiser/booths/ge-neu/exhibitors",
        data={"csrf_token": token, "email": "ana.ribeiro@example.com"},
    )
    assert response.status_code == 400  # a speaker account is no exhibitor
    async with app_services(demo_app).db.session() as db:
        user = await db.scalar(select(User).where(User.email == KRZ))
        assert user is not None
        member = await db.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organisation_id == org_id
            )
        )
        assert member is not None
    await login(client, KRZ)
    assert (await client.get("/booths/ge-neu/edit")).status_code == 200
    await login(client, ORGANISER)
    response = await submit_form(
        client, "/organiser/booths", "/organiser/booths/ge-neu/exhibitors/remove", user=str(user.id)
    )
    assert response.status_code == 303
    await login(client, KRZ)
    # ge-neu is still a draft: outside its organisation it is not even visible.
    assert (await client.get("/booths/ge-neu/edit")).status_code == 404

    # An unknown address gets a one-time invitation that makes the account a member.
    await login(client, ORGANISER)
    token = await csrf_of(client, "/organiser/booths")
    response = await client.post(
        "/organiser/booths/ge-neu/exhibitors",
        data={"csrf_token": token, "email": "Neu.Aussteller@example.org"},
    )
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    link = re.search(
        r'<code class="invitation-link">http://testserver(/invite/[^<]+)</code>', response.text
    )
    assert link is not None
    async with client_of(demo_app) as newcomer:
        form = await csrf_of(newcomer, link.group(1))
        accepted = await newcomer.post(
            link.group(1),
            data={
                "csrf_token": form,
                "name": "Neu",
                "password": "lang-genug-123",
                "password_repeat": "lang-genug-123",
            },
        )
        assert accepted.status_code == 303, accepted.text
        assert (await newcomer.get("/booths/ge-neu/edit")).status_code == 200
        assert (await newcomer.get(f"/booths/{OWN}/edit")).status_code == 403


# --------------------------------------------------------------------------- query counts


async def _queries(app: Starlette, client: httpx.AsyncClient, path: str) -> int:
    await booth_parts(app).visit_counts.flush()  # earlier page views are not this page's cost
    with counted_queries(app) as statements:
        response = await client.get(path)
    assert response.status_code == 200, path
    return len(statements)


async def test_query_counts_do_not_grow_with_rows(
    client: httpx.AsyncClient, demo_app: Starlette
) -> None:
    """1 booth vs 2–3 booths (and booths with more materials) cost the same queries."""
    one = await _queries(demo_app, client, "/booths?organisation=regio-it")
    two = await _queries(demo_app, client, "/booths?organisation=krz")
    everything = await _queries(demo_app, client, "/booths")
    assert one == two == everything
    assert await _queries(demo_app, client, "/booths/ac-ratsinfo") == await _queries(
        demo_app, client, f"/booths/{OWN}"
    )
    await login(client, "aussteller.regioit@example.com")  # one booth
    single = await _queries(demo_app, client, "/exhibitor")
    await login(client, "aussteller.soest@example.org")  # three booths
    assert await _queries(demo_app, client, "/exhibitor") == single
