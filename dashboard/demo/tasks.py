"""The demo's task history: door visits for warnings, county and city tasks, city campaigns.

``seed_task_history(engine, end=..., days=..., seed=...)`` runs after the
warnings are written (``dashboard.demo.seed``) and replaces the tasks and
their events in one transaction.  Magnitudes and texts are
``data/demo/tasks.json``; the same seed and end give the same history.

- Door visits: a deterministic sample of high-risk and "unreachable"
  warnings, each issued by its county to its station minutes after receipt.
- County tasks (clue checks, phone and stop-payment follow-ups, report
  requests) to its stations on working hours; city report requests to the
  counties.
- City campaigns: a publicity task to every county, each of which splits it
  to part of its stations; the county task completes with its stations.

Most tasks finish on time; some are late, some left unacknowledged past
their window (escalated), a few rejected and re-assigned, or cancelled.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from functools import cache

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, delete, func, or_, select
from sqlalchemy.engine import Connection

from dashboard.demo.task_history import CHILD_FATES, History, Spec
from dashboard.domain import OrgUnit, Task, TaskEvent, Warning
from dashboard.domain.base import to_local_naive
from dashboard.domain.reference import FraudType
from dashboard.domain.reference_files import read_reference_file
from dashboard.i18n import translate
from dashboard.ingest.bulk import BulkWriter, seal_frame
from dashboard.paths import DEMO_DIR

WORK_HOURS = (8.5, 18.0)


@cache
def task_calibration() -> dict:
    with (DEMO_DIR / "tasks.json").open(encoding="utf-8") as fh:
        return json.load(fh)


class Planner:
    """Draws what tasks exist and their fates; ``History`` simulates each one."""

    def __init__(self, conn: Connection, seed: int, end: datetime, days: int) -> None:
        self.conn, self.end = conn, end
        self.start = end - timedelta(days=days)
        self.np = np.random.default_rng([seed, 20_000])
        self.rng = random.Random(int(self.np.integers(2**62)))
        self.cal = task_calibration()
        self.history = History(self.rng, self.cal, end)
        rows = conn.execute(select(OrgUnit.id, OrgUnit.level, OrgUnit.parent_id)
                            .order_by(OrgUnit.code)).all()
        self.city = next(r.id for r in rows if r.level == "city")
        self.counties = [r.id for r in rows if r.level == "county"]
        self.stations = {c: [r.id for r in rows if r.parent_id == c and r.level == "station"]
                         for c in self.counties}
        first = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.days = [first + timedelta(days=n) for n in range((end - first).days + 1)]

    def _choice(self, weights: dict) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _fate(self) -> str:
        return self._choice(self.cal["fates"])

    def _times(self, rate: float) -> list[datetime]:
        """Working-hour times of a Poisson number of events a day, over the whole history."""
        counts = self.np.poisson(rate, len(self.days))
        return [day + timedelta(hours=self.rng.uniform(*WORK_HOURS))
                for day, count in zip(self.days, counts, strict=True) for _ in range(count)]

    def _text(self, kind: str) -> tuple[str, str]:
        return self.rng.choice(self.cal["titles"][kind]), self.cal["instructions"][kind]

    def _issue(self, kind: str, priority: str, issuer: int, targets: list[int],
               created: datetime) -> None:
        target = self.rng.choice(targets)
        title, instructions = self._text(kind)
        self.history.add(Spec(kind, priority, title, instructions, issuer, target,
                              created.replace(microsecond=0), self._fate(),
                              alternatives=[t for t in targets if t != target]))

    def county_tasks(self) -> None:
        for county in self.counties:
            for kind, rate in self.cal["county_tasks_per_county_day"].items():
                for created in self._times(rate):
                    self._issue(kind, self._choice(self.cal["priority_weights"]), county,
                                self.stations[county], created)
        for kind, rate in self.cal["city_tasks_per_day"].items():
            for created in self._times(rate):
                self._issue(kind, "normal", self.city, self.counties, created)

    def campaigns(self) -> None:
        low, high = self.cal["campaign_stations_share"]
        for created in self._times(self.cal["city_campaigns_per_month"] / 30):
            title, instructions = self._text("publicity")
            for county in self.counties:
                stations = self.stations[county]
                count = max(1, round(len(stations) * self.rng.uniform(low, high)))
                chosen = sorted(self.rng.sample(stations, count))
                fates = self.rng.choices(CHILD_FATES, weights=(0.85, 0.1, 0.05), k=len(chosen))
                self.history.add_split(Spec("publicity", "normal", title, instructions, self.city,
                                            county, created.replace(microsecond=0)), chosen, fates)

    def door_visits(self) -> None:
        wanted = self.cal["door_visits_per_day"] * max((self.end - self.start).days, 1)
        condition = and_(or_(Warning.risk_level == "high", Warning.outcome == "unreachable"),
                         Warning.received_at >= self.start, Warning.received_at <= self.end)
        total = self.conn.scalar(select(func.count()).select_from(Warning).where(condition)) or 0
        step = max(1, total // max(wanted, 1))
        warnings = self.conn.execute(
            select(Warning.id, Warning.county_id, Warning.station_id, Warning.received_at,
                   Warning.risk_level, Warning.fraud_type, Warning.amount_at_risk)
            .where(condition, Warning.id % step == 0).order_by(Warning.id)).all()
        fraud_names = {row["code"]: row["name_zh"] for row in read_reference_file(FraudType)}
        for w in warnings:
            received = to_local_naive(w.received_at)
            params = {"number": w.id, "fraud_type": fraud_names.get(w.fraud_type, ""),
                      "received": received.strftime("%m-%d %H:%M")}
            high = w.risk_level == "high"
            fate = self._fate() if self.rng.random() < 0.5 else "on_time"
            self.history.add(Spec(
                "door_visit", "urgent" if high else "high",
                translate("task.proposal.title", "zh-CN", **params),
                translate("task.proposal.instructions.open" if high else
                          "task.proposal.instructions.closed", "zh-CN", **params),
                w.county_id, w.station_id,
                received + timedelta(minutes=self.rng.uniform(4, 25)),
                fate if fate != "rejected" else "on_time", warning_id=w.id,
                amount_at_risk=int(w.amount_at_risk or 0)))


def _frame(rows: list[dict], table) -> pd.DataFrame:
    """The rows as the table stores them: free text sealed, times and ids typed."""
    frame = seal_frame(pd.DataFrame(rows, columns=[c.name for c in table.columns]), table)
    for column in table.columns:
        if column.name.endswith("_at"):
            frame[column.name] = pd.to_datetime(frame[column.name])
        elif column.name.endswith("_id") or column.name in ("result_loss_avoided",
                                                           "result_people_reached"):
            frame[column.name] = frame[column.name].astype("Int64")
    return frame


def build_task_history(conn: Connection, end: datetime, days: int, seed: int) -> History:
    """Plan and simulate the whole history (no writes)."""
    planner = Planner(conn, seed, end, days)
    planner.door_visits()
    planner.county_tasks()
    planner.campaigns()
    return planner.history


def seed_task_history(engine: Engine, *, end: datetime, days: int, seed: int) -> dict[str, int]:
    """Replace the demo tasks and their events; rows written per table."""
    end = to_local_naive(end).replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(delete(TaskEvent))
        conn.execute(delete(Task))
        history = build_task_history(conn, end, days, seed)
        tasks = sorted(history.tasks, key=lambda row: row["id"])
        events = sorted(history.events, key=lambda row: (row["at"], row["task_id"]))
        for number, event in enumerate(events, start=1):
            event["id"] = number
        writer = BulkWriter(conn)
        tables = [Task.__table__, TaskEvent.__table__]
        with writer.indexes_deferred(tables):
            counts = {"tasks": writer.insert(Task.__table__, _frame(tasks, Task.__table__)),
                      "task_events": writer.insert(TaskEvent.__table__,
                                                   _frame(events, TaskEvent.__table__))}
        writer.reset_id_sequences(tables)
    return counts
