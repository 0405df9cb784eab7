"""What every command module shares: the user-error type, opening the database, a clean stop on SIGTERM."""

from __future__ import annotations

import getpass
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from dashboard.db import Database, check_reachable


class UsageError(RuntimeError):
    """A mistake the user can fix; printed as one line, exit code 2."""


def open_database(settings: dict) -> Database:
    """The configured database; ``DatabaseUnreachable`` (one line, URL without password) if it is not there."""
    db = Database(settings["DATABASE_URL"], connect_timeout=settings.get("DATABASE_CONNECT_TIMEOUT"))
    check_reachable(db.engine)
    return db


def cli_actor() -> str:
    """Who ran the command, for the audit log: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli"


@contextmanager
def stop_cleanly_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM (``kill``, a CI timeout) raises ``SystemExit(143)``.

    Python's default for SIGTERM ends the process without running ``finally``
    blocks, which would leave what a long command created (a bench's
    PostgreSQL schema, a load test's gunicorn) behind.  The previous handler
    comes back afterwards.
    """
    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
