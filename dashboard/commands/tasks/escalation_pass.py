"""The escalation job: flag tasks left unacknowledged past their window, or overdue.

``escalate_pass(engine)`` is one pass, idempotent: it lists the tasks due
(``due_tasks``) and escalates each in its own transaction with the
``Escalate`` command, which refuses a task that is no longer due (already
escalated for that reason, acknowledged, finished, or changed by a user in
the meantime), so running it twice, or in two processes at once, escalates
each task once per reason.  The lease (``dashboard.commands.job_lease``) keeps
several workers from doing the same work in parallel.

Run it with ``antifraud escalate`` (one pass, e.g. from cron),
``antifraud escalation-worker --interval 60`` (a loop), or in the web process
of the demo (``ESCALATION_IN_PROCESS``, see ``dashboard.jobs.worker``).  Each
task escalated is one line in the log ``dashboard.commands.tasks.escalation_pass``:
``escalated task 12 of unit 35020301 (overdue)``.

Each pass that runs also deletes the login attempts no rule reads any more
(``LOGIN_ATTEMPTS_KEEP_DAYS``, ``dashboard.auth.lockout.attempts_kept_since``),
under the same lease; one line when it removed some:
``purged 312 login attempts before 2026-03-01 09:30``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from dashboard.auth.lockout import attempts_kept_since, purge_attempts
from dashboard.auth.policy import policy_settings
from dashboard.auth.records import NotFound
from dashboard.commands import job_lease as lease
from dashboard.commands.tasks import Escalate, TaskInvalid, escalation_due
from dashboard.domain.base import now_local
from dashboard.domain.tasks import OVERDUE, Task, overdue_condition, unacknowledged_condition
from dashboard.settings import load_settings

LEASE_NAME = "task_escalation"
log = logging.getLogger("dashboard.escalation")  # a stable name for log tools (docs/operations.md)


@dataclass
class PassReport:
    """What one pass did: task ids escalated by reason, login attempts purged, whether it ran."""

    ran: bool = True
    escalated: dict[str, list[int]] = field(default_factory=dict)
    skipped: int = 0
    purged_attempts: int = 0

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.escalated.values())


def due_tasks(session: Session, now: datetime) -> list[int]:
    """Ids of open tasks that are overdue or unacknowledged and not yet escalated for it."""
    overdue = (overdue_condition(now)
               & or_(Task.escalated_for.is_(None), Task.escalated_for != OVERDUE))
    unacknowledged = unacknowledged_condition(now) & Task.escalated_for.is_(None)
    return list(session.scalars(
        select(Task.id).where(Task.status.in_(("assigned", "acknowledged", "in_progress")),
                              or_(overdue, unacknowledged)).order_by(Task.deadline_at, Task.id)))


def escalate_due(engine: Engine, now: datetime | None = None) -> PassReport:
    """Escalate every task due at ``now``, one transaction each (no lease)."""
    now = (now or now_local()).replace(microsecond=0)
    report = PassReport()
    with Session(engine) as session:
        ids = due_tasks(session, now)
    for task_id in ids:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            task = session.get(Task, task_id)
            reason = escalation_due(task, now) if task is not None else None
            try:
                if reason is None:
                    raise TaskInvalid("reason", "task.error.not_due")
                Escalate(None, task_id, version=task.version, reason=reason).run(session, now)
            except (TaskInvalid, NotFound):
                report.skipped += 1
                log.info("skipped task %d: no longer due", task_id)
                continue
            unit = task.target_unit.code
        report.escalated.setdefault(reason, []).append(task_id)
        log.info("escalated task %d of unit %s (%s)", task_id, unit, reason)
    return report


def purge_login_attempts(engine: Engine, settings: Mapping, now: datetime | None = None) -> int:
    """Delete the login attempts older than the policy in force keeps; how many (one transaction)."""
    now = now or now_local()
    with Session(engine) as session, session.begin():
        before = attempts_kept_since(policy_settings(session, settings), now)
        removed = purge_attempts(session, before)
    if removed:
        log.info("purged %d login attempts before %s", removed, f"{before:%Y-%m-%d %H:%M}")
    return removed


def escalate_pass(engine: Engine, holder: str | None = None, interval: timedelta | None = None,
                  now: datetime | None = None, keep_lease: bool = False,
                  settings: Mapping | None = None) -> PassReport:
    """One pass under the lease; ``ran`` is False when another process holds it.

    The pass escalates, then purges old login attempts by ``settings``
    (default: the environment's).  A worker keeps (and renews) the lease
    between passes; a single pass releases it at the end.
    """
    holder = holder or lease.holder_name()
    ttl = max(interval or timedelta(seconds=60), timedelta(seconds=10)) * 3
    if not lease.acquire(engine, LEASE_NAME, holder, ttl, now):
        return PassReport(ran=False)
    try:
        report = escalate_due(engine, now)
        report.purged_attempts = purge_login_attempts(
            engine, load_settings() if settings is None else settings, now)
        return report
    finally:
        if not keep_lease:
            lease.release(engine, LEASE_NAME, holder)
