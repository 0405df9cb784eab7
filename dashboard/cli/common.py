"""What every command module shares: the user-error type, opening the database, a clean stop on
SIGTERM, the log lines of long-running commands."""

from __future__ import annotations

import getpass
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dashboard.db import Database


class UsageError(RuntimeError):
    """A mistake the user can fix; printed as one line, exit code 2."""


def open_database(settings: dict) -> Database:
    """The configured database; ``DatabaseUnreachable`` (one line, URL without password) if it is not there."""
    from dashboard.db import Database, check_reachable

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


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each line."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


@contextmanager
def action_log() -> Iterator[None]:
    """Within the block, the app's log lines of level INFO and above go to standard error.

    For the long-running commands (``simulate``, ``escalation-worker``,
    ``serve``, ``demo``): one line per action, ``LOG_FORMAT`` (time, level,
    logger, message).  The messages are English and stable, for log tools;
    what a command prints for people is in the deployment's language.
    """
    logger = logging.getLogger("dashboard")
    if any(isinstance(h, _StandardError) for h in logger.handlers):
        yield
        return
    handler, level = _StandardError(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
