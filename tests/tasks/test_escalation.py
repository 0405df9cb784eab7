"""The escalation job: once per reason, idempotent, one runner at a time."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands import job_lease as lease
from dashboard.commands.tasks import Acknowledge, Complete, Reject
from dashboard.commands.tasks.escalation_pass import LEASE_NAME, escalate_due, escalate_pass
from dashboard.domain import AuditEntry, Task, TaskEvent
from dashboard.domain.tasks import OVERDUE, UNACKNOWLEDGED
from tests.tasks.conftest import NOW


def escalations(session: Session, task_id: int) -> list[str]:
    session.expire_all()
    return [e.note or "" for e in session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.action == "escalate"))]


def test_unacknowledged_then_overdue_each_escalate_once(chain, session, engine):
    task = chain.issue(kind="door_visit", priority="urgent")  # ack 5 min, deadline 30 min
    session.commit()
    assert escalate_due(engine, NOW + timedelta(minutes=5)).count == 0
    first = escalate_due(engine, NOW + timedelta(minutes=6))
    assert first.escalated == {UNACKNOWLEDGED: [task.id]}
    assert escalate_due(engine, NOW + timedelta(minutes=7)).count == 0  # idempotent
    assert escalate_due(engine, NOW + timedelta(minutes=20)).count == 0
    later = escalate_due(engine, NOW + timedelta(minutes=31))
    assert later.escalated == {OVERDUE: [task.id]}
    assert escalate_due(engine, NOW + timedelta(hours=5)).count == 0
    session.expire_all()
    task = session.get(Task, task.id)
    assert task.status == "assigned" and task.escalated_for == OVERDUE
    assert task.escalated_at == NOW + timedelta(minutes=31)
    steps = [(e.action, e.actor_id) for e in task.events]
    assert steps == [("issue", chain.users["commander"].id), ("escalate", None), ("escalate", None)]
    audit_rows = session.scalars(select(AuditEntry).where(AuditEntry.object == f"task:{task.id}",
                                                          AuditEntry.username == "system:tasks"))
    assert len(audit_rows.all()) == 2


def test_acknowledged_in_time_escalates_only_when_overdue(chain, session, engine):
    task = chain.issue(kind="door_visit", priority="urgent")
    Acknowledge(chain.users["officer"], task.id, task.version).run(session, NOW + timedelta(minutes=2))
    session.commit()
    assert escalate_due(engine, NOW + timedelta(minutes=10)).count == 0
    assert escalate_due(engine, NOW + timedelta(minutes=40)).escalated == {OVERDUE: [task.id]}
    # the target can still finish it, late
    session.expire_all()
    task = session.get(Task, task.id)
    Complete(chain.users["officer"], task.id, task.version, reached=True, loss_avoided=5000
             ).run(session, NOW + timedelta(minutes=50))
    session.commit()
    assert task.done_late() and task.escalated_for == OVERDUE


def test_finished_and_rejected_tasks_are_not_escalated(chain, session, engine):
    done = chain.issue(kind="report_request")
    Acknowledge(chain.users["officer"], done.id, done.version).run(session, NOW)
    Complete(chain.users["officer"], done.id, done.version).run(session, NOW)
    rejected = chain.issue(kind="report_request")
    Reject(chain.users["officer"], rejected.id, rejected.version, note="不属本所").run(session, NOW)
    session.commit()
    assert escalate_due(engine, NOW + timedelta(days=30)).count == 0


def test_two_passes_at_once_escalate_each_task_once(chain, session, engine):
    ids = [chain.issue(kind="phone_followup", priority="urgent").id for _ in range(6)]
    session.commit()
    at = NOW + timedelta(minutes=10)
    reports = []
    barrier = threading.Barrier(2, timeout=30)

    def run() -> None:
        barrier.wait()
        reports.append(escalate_due(engine, at))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.count for r in reports) == len(ids)
    assert all(len(escalations(session, task_id)) == 1 for task_id in ids)


def test_the_lease_lets_one_runner_at_a_time(chain, session, engine):
    chain.issue(kind="phone_followup", priority="urgent")
    session.commit()
    ttl = timedelta(minutes=3)
    assert lease.acquire(engine, LEASE_NAME, "worker-a", ttl, NOW)
    assert lease.acquire(engine, LEASE_NAME, "worker-a", ttl, NOW + timedelta(minutes=1))  # renew
    assert not lease.acquire(engine, LEASE_NAME, "worker-b", ttl, NOW + timedelta(minutes=2))
    # a pass of another process while worker-a holds it does nothing
    assert escalate_pass(engine, "worker-b", now=NOW + timedelta(minutes=2)).ran is False
    # worker-a stopped renewing: after expiry another takes over
    assert lease.acquire(engine, LEASE_NAME, "worker-b", ttl, NOW + timedelta(minutes=10))
    lease.release(engine, LEASE_NAME, "worker-a")  # not the holder any more: no effect
    assert not lease.acquire(engine, LEASE_NAME, "worker-c", ttl, NOW + timedelta(minutes=11))
    lease.release(engine, LEASE_NAME, "worker-b")
    assert lease.acquire(engine, LEASE_NAME, "worker-c", ttl, NOW + timedelta(minutes=11))


def test_a_single_pass_releases_its_lease(chain, session, engine):
    task = chain.issue(kind="phone_followup", priority="urgent")
    session.commit()
    report = escalate_pass(engine, "cli", now=NOW + timedelta(minutes=10))
    assert report.ran and report.escalated == {UNACKNOWLEDGED: [task.id]}
    assert lease.acquire(engine, LEASE_NAME, "worker", timedelta(minutes=3), NOW)
