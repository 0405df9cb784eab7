"""The demo's task history: realistic shares, consistent rows, alive at the end, deterministic."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select, text

from dashboard.demo.tasks import build_task_history
from dashboard.domain import Task, TaskEvent
from dashboard.domain.base import to_local_naive
from tests.conftest import SEED_END


def frame(session, sql: str) -> pd.DataFrame:
    result = session.execute(text(sql))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def test_most_tasks_are_done_on_time_some_late_a_few_escalated_or_rejected(seeded_session):
    tasks = frame(seeded_session, "SELECT status, escalated_for, closed_at, deadline_at, kind, "
                                  "parent_id FROM tasks")
    assert len(tasks) > 5_000
    done = tasks[tasks["status"] == "done"]
    late = (pd.to_datetime(done["closed_at"]) > pd.to_datetime(done["deadline_at"])).mean()
    assert len(done) / len(tasks) > 0.9
    assert 0.03 < late < 0.2
    escalated = tasks["escalated_for"].notna().mean()
    assert 0.03 < escalated < 0.2
    assert 0.002 < (tasks["status"] == "cancelled").mean() < 0.05
    rejections = seeded_session.scalar(text("SELECT COUNT(*) FROM task_events WHERE action = 'reject'"))
    assert rejections > 20
    assert set(tasks["kind"]) >= {"door_visit", "publicity", "clue_verification", "report_request"}
    assert tasks["parent_id"].notna().sum() > 100  # campaigns split to stations


def test_rows_are_consistent(seeded_session):
    checks = {
        "events without a task": "SELECT COUNT(*) FROM task_events e LEFT JOIN tasks t "
                                 "ON t.id = e.task_id WHERE t.id IS NULL",
        "tasks without an issue event": "SELECT COUNT(*) FROM tasks t WHERE NOT EXISTS (SELECT 1 "
                                        "FROM task_events e WHERE e.task_id = t.id AND e.action = 'issue')",
        "versions that do not count the events": "SELECT COUNT(*) FROM tasks t WHERE t.version <> "
                                                 "(SELECT COUNT(*) FROM task_events e WHERE e.task_id = t.id)",
        "children due after their parent": "SELECT COUNT(*) FROM tasks c JOIN tasks p ON p.id = c.parent_id "
                                           "WHERE c.deadline_at > p.deadline_at",
        "done parents with open children": "SELECT COUNT(*) FROM tasks c JOIN tasks p ON p.id = c.parent_id "
                                           "WHERE p.status = 'done' AND c.status NOT IN ('done', 'cancelled')",
        "door visits without a warning": "SELECT COUNT(*) FROM tasks WHERE kind = 'door_visit' "
                                         "AND warning_id IS NULL",
        "events after the end": f"SELECT COUNT(*) FROM task_events WHERE at > '{to_local_naive(SEED_END)}'",
    }
    for name, sql in checks.items():
        assert seeded_session.scalar(text(sql)) == 0, name


def test_the_board_is_alive_at_the_end(seeded_session):
    open_tasks = seeded_session.scalars(select(Task).where(
        Task.status.in_(("assigned", "acknowledged", "in_progress")))).all()
    assert len(open_tasks) >= 5
    assert all(t.created_at <= SEED_END for t in open_tasks)


def test_the_same_seed_gives_the_same_history(seeded_engine):
    end = to_local_naive(SEED_END)
    with seeded_engine.connect() as conn:
        first = build_task_history(conn, end, 60, 11)
        second = build_task_history(conn, end, 60, 11)
    assert first.tasks == second.tasks and first.events == second.events
    with seeded_engine.connect() as conn:
        stored = conn.scalar(select(TaskEvent.id).order_by(TaskEvent.id.desc()).limit(1))
    assert stored > 0
