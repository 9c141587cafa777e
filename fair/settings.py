"""Settings, read once from ``FAIR_*`` environment variables.

Every setting has a type, a safe default for the embedded setup (SQLite plus local
files under ``media/``) and a help text that ``fair settings`` prints. Nothing else in
the code base reads the environment: the app factory gets a :class:`Settings` object
and hands it on, so tests build their own without touching ``os.environ``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from fair.clock import fair_now, parse_today
from fair.i18n import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A ``FAIR_*`` variable holds a value that cannot be used; the message names it."""


def setting(default: Any, help_text: str) -> Any:
    """One setting: its default for the embedded setup and the help ``fair settings``
    prints (the variable is ``FAIR_`` and the field's name in capitals)."""
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        f"sqlite+aiosqlite:///{PROJECT_ROOT / 'media' / 'fair.db'}",
        "SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    )
    storage_url: str = setting(
        f"file://{PROJECT_ROOT / 'media'}",
        "Where uploads and recordings go: file:///dir or s3://bucket[/prefix]"
        " (S3 endpoint and keys from FAIR_S3_*)",
    )
    s3_endpoint_url: str = setting(
        "", "S3-compatible endpoint, e.g. http://minio:9000; empty for AWS"
    )
    s3_access_key: str = setting("", "S3 access key id")
    s3_secret_key: str = setting("", "S3 secret access key")
    s3_region: str = setting("us-east-1", "S3 region")
    spool_dir: str = setting(
        str(PROJECT_ROOT / "media" / "spool"),
        "Local directory for recordings while they are written",
    )
    secret_key: str = setting(
        "",
        "Signs session cookies and CSRF tokens. Empty: a key generated once and kept in"
        " FAIR_SECRET_KEY_FILE (set it explicitly when instances run on several machines)",
    )
    secret_key_file: str = setting(
        str(PROJECT_ROOT / "media" / "secret_key"),
        "Where the generated secret key is kept when FAIR_SECRET_KEY is empty"
        " (created once, readable by its owner only)",
    )
    redis_url: str = setting("", "redis://host:port/0 to share chat and Q&A between app instances")
    host: str = setting("127.0.0.1", "Interface fair serve binds to")
    port: int = setting(8000, "Port fair serve listens on")
    base_url: str = setting("", "Public base URL used in exports, e.g. https://fair.example.org")
    default_language: str = setting("de", "UI language: de or en")
    time_zone: str = setting("Europe/Berlin", "Event time zone")
    max_upload_bytes: int = setting(500 * 1024 * 1024, "Largest material upload in bytes")
    max_form_bytes: int = setting(1024 * 1024, "Largest non-upload request body in bytes")
    login_attempts_per_minute: int = setting(
        10, "Failed logins allowed per client address and minute"
    )
    ice_servers: str = setting(
        "[]",
        'JSON list of WebRTC ICE servers, e.g. [{"urls": "turn:turn.example.org:3478",'
        ' "username": "u", "credential": "p"}]; empty list contacts no STUN server',
    )
    live_worker: bool = setting(
        True,
        "Run the live-media engine in its own process (keeps media off the web server's"
        " event loop); false runs it in the app process",
    )
    live_fanout_processes: int = setting(
        0,
        "Extra processes that send to viewers (one process carries about 500 viewers"
        " of one session; use 2 on a 2-core machine for 550+)",
    )
    live_max_viewers: int = setting(2000, "Viewers one live session accepts before answering 503")
    live_offers_per_minute: int = setting(
        20, "WebRTC offers one client address may send per minute"
    )
    record_sessions: bool = setting(True, "Record live sessions unless flagged 'do not record'")
    secure_cookies: bool = setting(False, "Mark cookies Secure (set when served over HTTPS)")
    debug: bool = setting(False, "Show tracebacks (never in production)")
    smtp_url: str = setting(
        "",
        "Outgoing mail: smtp://user:password@host:port, smtps://… or smtp://…?starttls=1;"
        " empty sends no mail",
    )
    mail_from: str = setting("fair <noreply@localhost>", "Sender address of fair's mails")
    media_base_url: str = setting(
        "",
        "Where browsers fetch live HLS and recordings' segments: the CDN or bucket origin"
        " serving the storage's live/ prefix (e.g. https://cdn.example.org/fair); empty:"
        " the app serves them",
    )
    live_webrtc_max_viewers: int = setting(
        300, "WebRTC viewers per session; further viewers watch over HLS"
    )
    appointment_minutes: int = setting(
        30,
        "Default length of an expert appointment slot (15, 20, 30, 45 or 60 minutes);"
        " exhibitors may pick another",
    )
    audit_retention_days: int = setting(730, "Days the organisers' audit trail keeps an entry")
    today: str = setting(
        "",
        "Show the fair as on this date (YYYY-MM-DD), e.g. after the event; empty: the"
        " real date (fair demo --today sets it)",
    )

    page_cache_bytes: int = setting(
        64 * 1024 * 1024,
        "Memory for rendered pages served to visitors who are not logged in (LRU);"
        " 0 turns the page cache off",
    )
    retention_days: int = setting(
        180,
        "Days after the last event day (and after it was written) that personal data"
        " (contact requests, chat, question names, attendee accounts) is kept;"
        " fair retention run deletes it",
    )
    go_live_window_minutes: int = setting(
        15,
        "Minutes before a session's planned start from which its speakers may go live"
        " (the moderation may start it earlier); 0: any time",
    )
    live_renditions: bool = setting(
        True,
        "Encode a second, 640x360 picture of each live camera larger than that, for"
        " viewers who cannot take 720p (one extra encoder per camera, never per viewer)",
    )
    live_loopback_ice: bool = setting(
        False,
        "Development only: WebRTC also offers 127.0.0.1 candidates, so a loopback-only"
        " machine can go live; refused in production mode (FAIR_SECURE_COOKIES, an"
        " https FAIR_BASE_URL or FAIR_HOST other than a loopback address)",
    )

    @property
    def ice_server_list(self) -> list[dict[str, Any]]:
        value = json.loads(self.ice_servers or "[]")
        return list(value)

    @property
    def production_mode(self) -> bool:
        """Served to others: HTTPS cookies or URL, or listening beyond loopback."""
        return (
            self.secure_cookies
            or self.base_url.startswith("https://")
            or self.host not in ("127.0.0.1", "localhost", "::1")
        )

    @property
    def public_url(self) -> str:
        """Where links made outside a request start (later mails, the CLI's one-time links):
        FAIR_BASE_URL, else the address ``fair serve`` listens on. Within a request
        :func:`fair.web.base_url` falls back to the request's own address instead."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    def now(self) -> datetime:
        """Naive UTC "now" of the fair, moved to ``today`` when that is set."""
        return fair_now(self.today, self.time_zone)

    def effective_secret_key(self) -> str:
        """FAIR_SECRET_KEY, or the generated key kept on disk so restarts keep logins."""
        return self.secret_key or stored_secret_key(Path(self.secret_key_file))

    def replace(self, **changes: Any) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``FAIR_<NAME>`` variables, casting each to its field's type."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "FAIR_" + f.name.upper()
            if key not in env:
                continue
            values[f.name] = _cast(key, env[key], f.default)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        try:
            servers = json.loads(self.ice_servers or "[]")
        except json.JSONDecodeError as exc:
            raise SettingsError(f"FAIR_ICE_SERVERS is not valid JSON: {exc}") from exc
        if not isinstance(servers, list) or not all(
            isinstance(s, dict) and "urls" in s for s in servers
        ):
            raise SettingsError("FAIR_ICE_SERVERS must be a JSON list of objects with 'urls'")
        if self.default_language not in LANGUAGES:
            raise SettingsError("FAIR_DEFAULT_LANGUAGE must be 'de' or 'en'")
        if not (self.storage_url.startswith("file://") or self.storage_url.startswith("s3://")):
            raise SettingsError("FAIR_STORAGE_URL must start with file:// or s3://")
        if self.page_cache_bytes < 0:
            raise SettingsError("FAIR_PAGE_CACHE_BYTES must be 0 (off) or positive")
        if self.max_upload_bytes <= 0:
            raise SettingsError("FAIR_MAX_UPLOAD_BYTES must be positive")
        from fair.mail import MailConfigError, parse_smtp_url

        try:
            parse_smtp_url(self.smtp_url)
        except MailConfigError as exc:
            raise SettingsError(str(exc)) from exc
        if self.live_fanout_processes < 0 or self.live_fanout_processes > 16:
            raise SettingsError("FAIR_LIVE_FANOUT_PROCESSES must be between 0 and 16")
        if self.media_base_url and not re.match(r"^https?://[^\s'\";]+$", self.media_base_url):
            raise SettingsError("FAIR_MEDIA_BASE_URL must be an http(s) URL without quotes")
        if self.appointment_minutes not in (15, 20, 30, 45, 60):
            raise SettingsError("FAIR_APPOINTMENT_MINUTES must be 15, 20, 30, 45 or 60")
        if self.retention_days < 1:
            raise SettingsError("FAIR_RETENTION_DAYS must be at least 1")
        if self.go_live_window_minutes < 0:
            raise SettingsError("FAIR_GO_LIVE_WINDOW_MINUTES must be 0 (any time) or positive")
        if self.live_loopback_ice and self.production_mode:
            raise SettingsError(
                "FAIR_LIVE_LOOPBACK_ICE is for development on one machine and is refused in"
                " production mode (FAIR_SECURE_COOKIES, an https FAIR_BASE_URL or a"
                " non-loopback FAIR_HOST); unset it"
            )
        try:
            parse_today(self.today)
        except ValueError as exc:
            raise SettingsError(
                f"FAIR_TODAY must be a date YYYY-MM-DD, not {self.today!r}"
            ) from exc

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(variable, default, help) for every setting, for ``fair settings``."""
        rows = []
        for f in fields(cls):
            default = f.default
            if f.name == "secret_key":
                default = "(generated once, see FAIR_SECRET_KEY_FILE)"
            rows.append(("FAIR_" + f.name.upper(), str(default), f.metadata["help"]))
        return rows


def _cast(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{key} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"{key} must be a whole number, not {raw!r}") from exc
    return raw


def stored_secret_key(path: Path) -> str:
    """The key in ``path``, created there once (mode 0600) if the file does not exist yet.

    Several worker processes may start at the same moment: each writes a candidate to
    its own temporary file and hard-links it into place, which succeeds for exactly one
    of them; the others read the winner's key.
    """
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    key = path.read_text().strip()
    if not key:
        raise SettingsError(f"{path} is empty: delete it or set FAIR_SECRET_KEY")
    return key
