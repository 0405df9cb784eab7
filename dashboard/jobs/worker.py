"""The escalation loop: ``antifraud escalation-worker`` and, in the demo, a thread of the web process.

``EscalationWorker.run_forever`` runs a pass every ``interval`` seconds under
the lease until ``stop()``; a failed pass is logged and retried at the next
tick.  Each pass also purges old login attempts (``dashboard.commands.tasks.escalation_pass``).
A database that is down, refuses the connection or the statement is
an expected fault: one line (``escalation pass failed: the database is
unavailable (...); retrying in 60 s``), never a traceback or a statement;
only an error nobody expected logs its traceback.  ``init_app(server)`` starts it in a
daemon thread when ``ESCALATION_IN_PROCESS`` says so (unset: in development
and not under test), at most once per database and process; its first pass
comes one interval after start-up so that starting the server stays quick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import timedelta

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.commands import job_lease as lease
from dashboard.commands.tasks.escalation_pass import LEASE_NAME, PassReport, escalate_pass
from dashboard.db import DatabaseUnreachable, database_reason

log = logging.getLogger("dashboard.escalation")  # a stable name for log tools (docs/operations.md)
_started: dict[str, EscalationWorker] = {}
_start_lock = threading.Lock()


class EscalationWorker:
    """A loop of escalation passes under one lease holder name."""

    def __init__(self, engine: Engine, interval: float = 60.0, settings: Mapping | None = None) -> None:
        self.engine = engine
        self.interval = max(float(interval), 1.0)
        self.settings = settings  # the login-attempt purge's (None: the environment's)
        self.holder = lease.holder_name()
        self.stopping = threading.Event()
        self.passes = 0

    def run_once(self) -> PassReport | None:
        try:
            report = escalate_pass(self.engine, self.holder, timedelta(seconds=self.interval),
                                   keep_lease=True, settings=self.settings)
        except (SQLAlchemyError, DatabaseUnreachable, OSError) as exc:  # expected: the database is down
            log.warning("escalation pass failed: the database is unavailable (%s); retrying in %g s",
                        database_reason(exc), self.interval)
            return None
        except Exception:  # the loop must survive a bad pass
            log.exception("escalation pass failed unexpectedly; retrying in %g s", self.interval)
            return None
        self.passes += 1
        return report

    def run_forever(self, initial_delay: float = 0.0) -> None:
        if self.stopping.wait(initial_delay):
            return
        try:
            while not self.stopping.is_set():
                self.run_once()
                if self.stopping.wait(self.interval):
                    break
        finally:
            try:
                lease.release(self.engine, LEASE_NAME, self.holder)
            except Exception as exc:  # noqa: BLE001 - shutting down; the lease will expire
                log.warning("could not release the escalation lease (%s); it expires by itself",
                            database_reason(exc))

    def stop(self) -> None:
        self.stopping.set()


def enabled(config) -> bool:
    """``ESCALATION_IN_PROCESS``, or when unset: development and not testing."""
    setting = config.get("ESCALATION_IN_PROCESS")
    if setting is None:
        return config.get("ANTIFRAUD_ENV") == "development" and not config.get("TESTING")
    return bool(setting)


def init_app(server: Flask) -> EscalationWorker | None:
    """Start the in-process escalation thread if enabled; the running worker, or None."""
    if not enabled(server.config):
        return None
    url = server.config["DATABASE_URL"]
    with _start_lock:
        worker = _started.get(url)
        if worker is None:
            worker = EscalationWorker(server.extensions["database"].engine,
                                      server.config["ESCALATION_INTERVAL_SECONDS"], server.config)
            threading.Thread(target=worker.run_forever, kwargs={"initial_delay": worker.interval},
                             name="task-escalation", daemon=True).start()
            _started[url] = worker
    server.extensions["escalation_worker"] = worker
    return worker
