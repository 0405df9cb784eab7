"""Every setting of the application, declared once with its default and meaning.

Values come from environment variables of the same name; ``create_app(config)``
and tests may override them with a dict.  ``docs/settings.md`` documents each
one and a test fails when a setting is missing there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.paths import DEFAULT_INSTANCE_DIR


def _bool(value: str) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(value).split(",") if part.strip())


class SettingInvalid(ValueError):
    """An environment variable holds a value its setting cannot take; names both."""

    def __init__(self, name: str, value: str, kind: str) -> None:
        self.name, self.value, self.kind = name, value, kind  # kind: "int" or "float"
        expected = {"int": "a whole number (e.g. 30)"}.get(kind, "a number (e.g. 0.5)")
        super().__init__(f"{name}: {value!r} is not {expected}")


_KINDS = {int: "int", float: "float"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str



SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", None,
            "SQLAlchemy URL of the database. Default: a SQLite file "
            "`instance/antifraud.db`. PostgreSQL: `postgresql+psycopg://user:pass@host:5432/db`; "
            "a primary and its standbys as a libpq host list, `postgresql+psycopg://user:pass@/db"
            "?host=a:5432&host=b:5432&target_session_attrs=read-write` (docs/operations.md, "
            "\"High availability\")."),
    Setting("READ_DATABASE_URL", None,
            "Where the dashboards read (overview, wall, report pages, live panels): a standby, "
            "e.g. `postgresql+psycopg://user:pass@/db?host=b:5432&host=a:5432"
            "&target_session_attrs=prefer-standby`. Its connections are read-only. Sessions, "
            "login, audit, pages that write and every command keep `DATABASE_URL`. While the "
            "primary cannot be reached every request is served from here, read-only, with a "
            "notice. Unset: everything on `DATABASE_URL`."),
    Setting("FAILOVER_PROBE_SECONDS", 5,
            "With `READ_DATABASE_URL`: after the primary was found unreachable, seconds during "
            "which a process serves from the read database before it tries the primary again.",
            float),
    Setting("INSTANCE_PATH", str(DEFAULT_INSTANCE_DIR),
            "Folder for local state (the default SQLite file). Never committed."),
    Setting("SECRET_KEY", "dev-insecure-secret-change-me",
            "Key that signs session cookies. Must be set to a long random value in production, "
            "where one of under 128 bits of measured entropy is refused; make one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`."),
    Setting("ANTIFRAUD_ENV", "development",
            "`development` or `production`; any other value is refused at start. Production "
            "refuses unsafe settings."),
    Setting("DEFAULT_LANGUAGE", "zh-CN",
            "Language of the interface until a user picks one: `zh-CN` or `en`."),
    Setting("LIVE_REFRESH_SECONDS", 10,
            "How often live counters and queues refresh in the browser, in seconds.", int),
    Setting("SQL_ECHO", False, "Log every SQL statement (debugging only).", _bool),
    Setting("DATABASE_CONNECT_TIMEOUT", 5,
            "Seconds to wait for PostgreSQL to accept a connection (web and commands); a server "
            "that accepts and never answers is then reported as unreachable.", int),
    Setting("DATABASE_STATEMENT_TIMEOUT", 30,
            "Seconds one statement of the web process may run on PostgreSQL before it is "
            "cancelled (0: no limit). Commands (backup, imports, seeding) are not limited.", int),
    Setting("PERSONAL_DATA_KEY", None,
            "Base64 of 32 random bytes: the AES-256-GCM key of citizens' phone, ID and bank "
            "account numbers at rest. Never stored in the database. Required in production, where "
            "a key of under 128 bits of measured entropy is refused; development falls back to a "
            "public key and logs a warning."),
    Setting("AUDIT_KEY", None,
            "Base64 of 32 random bytes: the key of the audit trail's HMAC chain and of its "
            "checkpoints. Never stored in the database, held apart from its owner "
            "(`docs/security.md`); it must not change once entries exist. Required in "
            "production; development falls back to a public key and logs a warning."),
    Setting("AUDIT_CHECKPOINT_PATH", None,
            "File that signed checkpoints of the audit chain are appended to (one line each; "
            "also written to the process log). Put it on storage the database's owner cannot "
            "rewrite (another host's mount, an append-only volume). Unset: "
            "`audit-checkpoints.log` in `INSTANCE_PATH`."),
    Setting("AUDIT_CHECKPOINT_SECONDS", 300,
            "Seconds between two checkpoints written by each web process (also one at start and "
            "at shutdown). 0: none from the web process (then run `antifraud audit checkpoint` "
            "from cron).", int),
    Setting("PASSWORD_MIN_LENGTH", 12, "Shortest password a user may set.", int),
    Setting("LOGIN_MAX_FAILURES", 5,
            "Wrong passwords in a row that lock an account.", int),
    Setting("LOGIN_LOCK_MINUTES", 15, "How long a locked account stays locked, in minutes.", int),
    Setting("LOGIN_ADDRESS_MAX_FAILURES", 20,
            "Failed logins from one address within `LOGIN_ADDRESS_WINDOW_MINUTES` after which "
            "that address may not try again until the window has passed.", int),
    Setting("LOGIN_ADDRESS_WINDOW_MINUTES", 15,
            "The window of the per-address login rate limit, in minutes.", int),
    Setting("LOGIN_ATTEMPTS_KEEP_DAYS", 2,
            "Days login attempts are kept for the per-address rate limit; older ones are deleted "
            "by the escalation job's passes (never those within twice the rate limit's window in "
            "force).", int),
    Setting("SESSION_IDLE_MINUTES", 30,
            "A session unused this long ends (checked on every request and Dash callback).", int),
    Setting("SESSION_ABSOLUTE_HOURS", 12,
            "A session ends this long after login, however active.", int),
    Setting("TOTP_REQUIRED_ROLES", None,
            "Comma-separated roles that must log in with a TOTP code. Unset: in production the "
            "roles marked in `data/roles.csv` (commander, officer, admin), in development none.",
            _csv),
    Setting("TOTP_ISSUER", "Anti-fraud dashboard",
            "Name shown for this system in users' authenticator apps."),
    Setting("SECURE_COOKIES", None,
            "Send the session and CSRF cookies over HTTPS only. Unset: on in production, off in "
            "development (which serves plain HTTP on 127.0.0.1).", _bool),
    Setting("PROXY_HOPS", 0,
            "Reverse proxies in front of the app whose `X-Forwarded-For` / `-Proto` / `-Host` "
            "headers are trusted (for the client address of the audit log and the login rate "
            "limit, and for HTTPS detection). 0: none, use the connection's address.", int),
    Setting("ESCALATION_IN_PROCESS", None,
            "Run the task escalation job in a thread of the web process. Unset: on in development "
            "(not under test), off in production, where `antifraud escalation-worker` runs it. "
            "A lease row keeps several processes from escalating at once.", _bool),
    Setting("ESCALATION_INTERVAL_SECONDS", 60,
            "Seconds between two passes of the in-process escalation job.", int),
    Setting("REDIS_URL", None,
            "Redis that every web process shares (`redis://host:6379/0`): the ingest API's rate "
            "counters and the live figures' cache. Empty: counters in the memory of each process "
            "and no cache, right for one process only (the demo, `antifraud serve`); set it "
            "whenever several gunicorn workers or instances serve."),
    Setting("REDIS_KEY_PREFIX", "antifraud:",
            "Prefix of every Redis key the app writes, so that several installations (or test "
            "runs) can share one Redis."),
    Setting("REDIS_TIMEOUT_SECONDS", 0.5,
            "Seconds to wait for Redis to connect or answer before the app serves without it.",
            float),
    Setting("REDIS_RETRY_SECONDS", 30,
            "After Redis failed to answer, seconds during which a process does not ask it again "
            "(serving without the cache, allowing every ingest request) before it tries once more.",
            float),
    Setting("INGEST_RATE_LIMIT_PER_MINUTE", 1200,
            "Requests one ingest source may make to the ingest API in any 60 seconds; more are "
            "refused with 429 and `Retry-After` (the batch is not stored; send it again). "
            "0: no limit.", int),
    Setting("MAX_FUTURE_MINUTES", 5,
            "How far ahead of the server's clock a time in an ingested record (API, file import, "
            "replay) may lie, in minutes, for upstream clocks that run a little fast; a later time "
            "is refused, naming the field. 0 to 1440.", int),
    Setting("LIVE_CACHE_SECONDS", 5,
            "With `REDIS_URL`: how long the live figures of a unit (today by hour, the last "
            "minutes, the open queue) are shared from Redis by every worker before they are "
            "counted again; the panel shows the time they were counted. 0: count on every "
            "refresh.", int),
    Setting("VIEW_CACHE_SECONDS", 10,
            "With `REDIS_URL`: how long a drawn overview (one unit, period, metric and language, "
            "for viewers of the same scope and permissions) is shared from Redis by every worker "
            "before it is drawn again; its live panel then refreshes on its own. 0: draw every "
            "view anew.", int),
    Setting("FEED_SILENCE_FACTOR", 6,
            "A source with an active ingest token is shown as silent (live panel, wall, `/healthz`, "
            "the sources page) when nothing of it arrived for longer than this many times its usual "
            "gap between two arrivals at this hour of the day (60 / its usual arrivals an hour), and "
            "at least `FEED_SILENCE_FLOOR_MINUTES`. A number from 1 to 1000."),
    Setting("FEED_SILENCE_FLOOR_MINUTES", 15,
            "The shortest silence that is flagged, in minutes, however busy the source usually is. "
            "1 to 10080."),
    Setting("FEED_USUAL_DAYS", 28,
            "Days of arrivals before the current hour that a source's usual rate by hour of day is "
            "learned from. 1 to 366."),
    Setting("IMPORT_MAX_MEGABYTES", 512,
            "The largest file the web import page takes, in MB (a million rows of warnings are "
            "about 150 MB). 1 to 4096.", int),
    Setting("IMPORT_KEEP_HOURS", 24,
            "How long the web import page keeps an uploaded file not yet imported, and the refused "
            "rows' file of an import for its uploader, in hours. 1 to 720.", int),
    Setting("DISCLOSURE_THRESHOLD", 5,
            "Statistics for the press: counts from 1 to this minus one are published as "
            "\"<N\" (with further cells withheld so that totals cannot give them back), and amounts, "
            "rates and waiting times built on fewer cases are withheld. At least 3.", int),
    Setting("EXPORT_BROWSER", "/usr/bin/chromium",
            "The Chromium that draws PNG and PDF exports (kaleido). It is started with no network "
            "look-ups and loads nothing from the internet."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def _parsed(setting: Setting, text: str) -> Any:
    try:
        return setting.parse(text)
    except ValueError:
        raise SettingInvalid(setting.name, text, _KINDS.get(setting.parse, "float")) from None


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting: override dict, then environment, then default."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            values[setting.name] = overrides.pop(setting.name)
        elif setting.name in environ:
            values[setting.name] = _parsed(setting, environ[setting.name])
        else:
            values[setting.name] = setting.default
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{values['INSTANCE_PATH']}/antifraud.db"
    values.update(overrides)  # extra Flask keys such as TESTING pass through
    return values
