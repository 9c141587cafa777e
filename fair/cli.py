"""The ``fair`` command: serve, demo, db upgrade, user create, settings."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from fair.settings import Settings, SettingsError

console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
def main() -> None:
    """fair – a self-hostable virtual trade fair and event platform."""


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    import uvicorn

    from fair.app import create_app
    from fair.realtime import UVICORN_WS_OPTIONS

    app = create_app(settings)
    console.print(
        f"[bold green]fair[/] serving on http://{host or settings.host}:{port or settings.port}"
    )
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        proxy_headers=True,
        **UVICORN_WS_OPTIONS,
    )


@main.command()
@click.option("--host", default=None, help="Interface to bind (default FAIR_HOST)")
@click.option("--port", type=int, default=None, help="Port (default FAIR_PORT)")
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database and serve the app."""
    settings = _settings()
    asyncio.run(_upgrade(settings))
    token = asyncio.run(_setup_token(settings))
    if token:
        base = settings.replace(host=host or settings.host, port=port or settings.port).public_url
        console.print(
            "[bold]No organiser yet.[/] Open this one-time setup link to create the first "
            "account (valid 24 hours, once):"
        )
        click.echo(f"{base}/setup/{token}")
    _serve(settings, host, port)


async def _setup_token(settings: Settings) -> str | None:
    """A fresh setup link's token while the install has no organiser, else None."""
    from fair.accounts import create_setup_token
    from fair.db import Database

    database = Database(settings.database_url)
    try:
        async with database.session() as db:
            token = await create_setup_token(db)
            await db.commit()
            return token
    finally:
        await database.dispose()


@main.command()
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option(
    "--password", default="demo-passwort", show_default=True, help="Password of the demo accounts"
)
@click.option("--no-serve", is_flag=True, help="Only create the demo fair")
@click.option(
    "--today",
    default=None,
    metavar="YYYY-MM-DD",
    help="Show the fair as on this date (FAIR_TODAY), e.g. after the event",
)
def demo(
    host: str | None, port: int | None, password: str, no_serve: bool, today: str | None
) -> None:
    """Create the demo fair (if the database is empty), record its past sessions, serve it."""
    from fair.app import demo_seeders
    from fair.seed import seed_demo_fair

    settings = _settings()
    if today is not None:
        settings = settings.replace(today=today)
        try:
            settings.validate()
        except SettingsError as exc:
            raise click.BadParameter(str(exc), param_hint="--today") from exc

    async def create() -> None:
        from fair.db import Database

        await _upgrade(settings)
        from fair.storage import storage_from_settings
        from sessions.demo_recordings import seed_demo_recordings

        database = Database(settings.database_url)
        storage = storage_from_settings(settings)
        try:
            with console.status("Creating the demo fair …"):
                created = await seed_demo_fair(
                    database,
                    password=password,
                    seeders=demo_seeders(),
                    storage=storage,
                    progress=console.log,
                )
            with console.status("Recording the sessions that are over …"):
                await seed_demo_recordings(
                    database, storage, now=settings.now(), progress=console.log
                )
        finally:
            await database.dispose()
        if created:
            console.print(
                "[green]Demo fair created.[/] Accounts: orga@example.org, "
                "aussteller.krz@example.org, henning.wiebusch@example.org, … "
                f"password [bold]{password}[/]"
            )
        else:
            console.print("Database already holds an event; demo data left as it is.")

    asyncio.run(create())
    if not no_serve:
        _serve(settings, host, port)


@main.group()
def db() -> None:
    """Database commands."""


async def _upgrade(settings: Settings) -> None:
    from fair.db import Database
    from fair.migrate import upgrade_database

    database = Database(settings.database_url)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    with console.status("Migrating …"):
        asyncio.run(_upgrade(_settings()))
    console.print("[green]Database is up to date.[/]")


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["organiser", "exhibitor", "speaker"]), required=True)
@click.option(
    "--organisation",
    "organisations",
    multiple=True,
    help="Organisation slug (exhibitors; repeatable)",
)
@click.option("--password", default=None, help="Read from a prompt when omitted")
def user_create(
    email: str, name: str, role: str, organisations: tuple[str, ...], password: str | None
) -> None:
    """Create an account."""
    from sqlalchemy import select

    from fair.auth import create_user
    from fair.db import Database
    from fair.errors import HTTPError
    from fair.models import Organisation, Role

    settings = _settings()
    if password is None:
        password = getpass.getpass("Password: ")

    async def create() -> None:
        await _upgrade(settings)
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                ids = []
                for slug in organisations:
                    org_id = await db.scalar(
                        select(Organisation.id).where(Organisation.slug == slug)
                    )
                    if org_id is None:
                        raise click.UsageError(f"unknown organisation: {slug}")
                    ids.append(org_id)
                await create_user(
                    db,
                    email=email,
                    name=name,
                    role=Role(role),
                    password=password,
                    organisation_ids=ids,
                )
                await db.commit()
        finally:
            await database.dispose()

    try:
        asyncio.run(create())
    except HTTPError as exc:
        console.print(f"[red]{escape(exc.message)}[/]")
        sys.exit(1)
    console.print(f"[green]Created {role} {email}.[/]")


@user.command("invite")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["organiser", "exhibitor", "speaker"]), required=True)
@click.option("--organisation", default=None, help="Organisation slug the new account joins")
def user_invite(email: str, name: str, role: str, organisation: str | None) -> None:
    """Print a one-time invitation link (valid 7 days) for a new account."""
    from sqlalchemy import select

    from fair.auth import create_invitation
    from fair.db import Database
    from fair.models import Organisation, Role

    settings = _settings()

    async def invite() -> str:
        await _upgrade(settings)
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                org_id = None
                if organisation:
                    org_id = await db.scalar(
                        select(Organisation.id).where(Organisation.slug == organisation)
                    )
                    if org_id is None:
                        raise click.UsageError(f"unknown organisation: {organisation}")
                token = await create_invitation(
                    db, email=email, name=name, role=Role(role), organisation_id=org_id
                )
                await db.commit()
                return token
        finally:
            await database.dispose()

    from fair.errors import HTTPError

    try:
        token = asyncio.run(invite())
    except HTTPError as exc:  # e.g. the address already has an account
        console.print(f"[red]{exc.message}[/]")
        sys.exit(1)
    click.echo(f"{settings.public_url}/invite/{token}")


@main.group()
def retention() -> None:
    """Delete personal data past its retention period."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed")
def retention_run(dry_run: bool) -> None:
    """Remove contact requests, chat messages, question authors' names and attendee
    accounts older than FAIR_RETENTION_DAYS after the last event day. Safe to run daily
    from cron: a second run removes nothing more."""
    from fair.db import Database
    from sessions.retention import run_retention

    settings = _settings()

    async def run() -> list[str]:
        await _upgrade(settings)
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                report = await run_retention(
                    db,
                    now=settings.now(),
                    days=settings.retention_days,
                    time_zone=settings.time_zone,
                    dry_run=dry_run,
                )
                if not dry_run:
                    await db.commit()
        finally:
            await database.dispose()
        when = f"{report.cutoff:%Y-%m-%d %H:%M} UTC" if report.cutoff else "no event days"
        return [f"retention period after the event ends {when}", *report.lines()]

    for line in asyncio.run(run()):
        click.echo(line)


@main.command("export-static")
@click.argument("directory", type=click.Path(path_type=Path))
def export_static(directory: Path) -> None:
    """Write the archived fair as static files (German and English) into DIRECTORY,
    which must be empty; serve it from any web server or S3 bucket."""
    from rich.progress import Progress

    from fair.app import create_app
    from fair.static_export import ExportError, StaticExporter, check_target

    settings = _settings()
    try:
        check_target(directory)
    except ExportError as exc:
        raise click.UsageError(str(exc)) from exc

    async def run() -> None:
        await _upgrade(settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            with Progress(console=console) as bar:
                task = bar.add_task("Exporting", total=None)
                done = 0

                def step(url: str, queued: int) -> None:
                    nonlocal done
                    done += 1
                    bar.update(task, completed=done, total=done + queued, description=url[:40])

                exporter = StaticExporter(app, directory, step)
                exporter.result = await exporter.export_into_checked()
        result = exporter.result
        console.print(
            f"[green]Exported[/] {result.pages} pages and {result.files} files "
            f"({result.bytes / 1e6:.1f} MB) to {directory}"
        )
        for skipped in result.skipped:
            console.print(f"[yellow]skipped[/] {skipped}")

    asyncio.run(run())


@main.command("settings")
def show_settings() -> None:
    """List every FAIR_* setting with its default and meaning."""
    table = Table("variable", "default", "meaning")
    for row in Settings.describe():
        # As Text, not markup strings: help texts hold brackets such as "[/prefix]".
        table.add_row(*(Text(cell) for cell in row))
    Console().print(table)


if __name__ == "__main__":
    main()
