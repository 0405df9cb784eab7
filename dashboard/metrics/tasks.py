"""Unit performance on tasks: how fast units acknowledge, and how many they finish in time.

``task_performance(session, scope, period, level)`` feeds the overview's
ranking of units.  Definitions, per unit of ``level`` in scope, over the
tasks *sent to that unit* (its own target, not its children's) and created
in ``[period.start, period.end)``:

- ``tasks``: tasks received, cancelled ones excluded;
- ``acknowledged``: of those, acknowledged at all; ``ack_minutes_median``:
  median minutes from issue to acknowledgement; ``ack_in_window_share``:
  share acknowledged by the acknowledgement deadline (of ``tasks``);
- ``done``: completed; ``done_on_time``: completed by the deadline;
  ``done_on_time_share``: ``done_on_time / tasks`` (a task still open past
  its deadline counts against the unit);
- ``escalated``: tasks that were escalated for either reason.

Every unit of ``level`` in scope is listed; shares are NaN for a unit with
no task.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit
from dashboard.domain.tasks import CANCELLED, DONE, Task
from dashboard.metrics.period import Period

COLUMNS = ["unit_id", "code", "name_zh", "name_en", "parent_id", "tasks", "acknowledged",
           "ack_minutes_median", "ack_in_window_share", "done", "done_on_time",
           "done_on_time_share", "escalated"]


def task_performance(session: Session, scope: Scope, period: Period,
                     level: str = "station") -> pd.DataFrame:
    """Acknowledgement time and completion within deadline by unit (see the module doc)."""
    if level not in ("county", "station"):
        raise ValueError("level: must be 'county' or 'station'")
    units = pd.DataFrame(session.execute(scope.filter_org_units(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name_zh, OrgUnit.name_en, OrgUnit.parent_id)
        .where(OrgUnit.level == level)).order_by(OrgUnit.code)).all(),
        columns=["unit_id", "code", "name_zh", "name_en", "parent_id"])
    rows = session.execute(
        select(Task.target_unit_id, Task.status, Task.created_at, Task.acknowledged_at,
               Task.ack_deadline_at, Task.deadline_at, Task.closed_at, Task.escalated_at)
        .join(OrgUnit, OrgUnit.id == Task.target_unit_id)
        .where(OrgUnit.level == level, Task.status != CANCELLED,
               Task.created_at >= period.start, Task.created_at < period.end,
               scope.unit_condition(Task.target_unit_id))).all()
    tasks = pd.DataFrame([tuple(r) for r in rows],
                         columns=["unit_id", "status", "created_at", "acknowledged_at",
                                  "ack_deadline_at", "deadline_at", "closed_at", "escalated_at"])
    if tasks.empty:
        out = units.assign(tasks=0, acknowledged=0, ack_minutes_median=float("nan"),
                           ack_in_window_share=float("nan"), done=0, done_on_time=0,
                           done_on_time_share=float("nan"), escalated=0)
        return out[COLUMNS]
    acked = tasks["acknowledged_at"].notna()
    ack_minutes = (pd.to_datetime(tasks["acknowledged_at"], utc=True)
                   - pd.to_datetime(tasks["created_at"], utc=True)).dt.total_seconds() / 60
    done = tasks["status"] == DONE
    tasks = tasks.assign(
        acknowledged=acked.astype(int),
        ack_minutes=ack_minutes.where(acked),
        ack_in_window=(acked & (tasks["acknowledged_at"] <= tasks["ack_deadline_at"])).astype(int),
        done=done.astype(int),
        done_on_time=(done & (tasks["closed_at"] <= tasks["deadline_at"])).astype(int),
        escalated=tasks["escalated_at"].notna().astype(int),
    )
    per_unit = tasks.groupby("unit_id").agg(
        tasks=("status", "size"), acknowledged=("acknowledged", "sum"),
        ack_minutes_median=("ack_minutes", "median"), ack_in_window=("ack_in_window", "sum"),
        done=("done", "sum"), done_on_time=("done_on_time", "sum"),
        escalated=("escalated", "sum")).reset_index()
    out = units.merge(per_unit, on="unit_id", how="left")
    for column in ("tasks", "acknowledged", "ack_in_window", "done", "done_on_time", "escalated"):
        out[column] = out[column].fillna(0).astype(int)
    with_tasks = out["tasks"].where(out["tasks"] > 0)
    out["ack_in_window_share"] = out["ack_in_window"] / with_tasks
    out["done_on_time_share"] = out["done_on_time"] / with_tasks
    return out[COLUMNS]
