"""What every command module shares: the user-error type and opening the database."""

from __future__ import annotations

import getpass

from dashboard.db import Database, check_reachable


class UsageError(RuntimeError):
    """A mistake the user can fix; printed as one line, exit code 2."""


def open_database(settings: dict) -> Database:
    """The configured database; ``DatabaseUnreachable`` (one line, URL without password) if it is not there."""
    db = Database(settings["DATABASE_URL"])
    check_reachable(db.engine)
    return db


def cli_actor() -> str:
    """Who ran the command, for the audit log: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli"
