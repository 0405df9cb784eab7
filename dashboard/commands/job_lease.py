"""A lease row per periodic job, so that of several processes only one runs it at a time.

``acquire`` takes the lease if it is free, expired or already ours, in one
conditional ``UPDATE`` (PostgreSQL queues a concurrent taker behind the row
lock, then finds the lease taken; SQLite lets one writer at a time); the
first ever taker inserts the row.  The holder renews it on every pass, well
before it expires; ``release`` frees it at a clean shutdown.  Each call runs
in its own short transaction on the given engine.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, or_, update
from sqlalchemy.exc import IntegrityError

from dashboard.domain.base import now_local
from dashboard.domain.jobs import JobLease


def holder_name() -> str:
    """``host:pid:random``: unique per process and per start."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(engine: Engine, name: str, holder: str, ttl: timedelta,
            now: datetime | None = None) -> bool:
    """True when ``holder`` holds the lease ``name`` until ``now + ttl``."""
    now = (now or now_local()).replace(microsecond=0)
    values = {"holder": holder, "acquired_at": now, "expires_at": now + ttl}
    with engine.begin() as conn:
        taken = conn.execute(
            update(JobLease)
            .where(JobLease.name == name,
                   or_(JobLease.holder == holder, JobLease.expires_at < now))
            .values(**values))
        if taken.rowcount == 1:
            return True
    try:
        with engine.begin() as conn:
            conn.execute(insert(JobLease).values(name=name, **values))
        return True
    except IntegrityError:  # someone else holds it (or took it first)
        return False


def release(engine: Engine, name: str, holder: str) -> None:
    """Free the lease if ``holder`` still holds it."""
    with engine.begin() as conn:
        conn.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))
