"""Simulate the life of demo tasks: issue, acknowledge, work, complete, with the side paths.

Each task gets a *fate* (on time, late, left unacknowledged, rejected and
re-assigned, cancelled) drawn from ``data/demo/tasks.json``; its steps are
timed from the deadline rules and written as ``TaskEvent`` rows; steps after
the end of the history are dropped, so the newest tasks are still open,
some of them overdue or escalated, as the live board would show them.
Times are naive Asia/Shanghai wall times, as the loader writes them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.domain.task_rules import rule_for
from dashboard.domain.tasks import (
    ACKNOWLEDGED,
    ASSIGNED,
    CANCELLED,
    DONE,
    IN_PROGRESS,
    OVERDUE,
    REJECTED,
    UNACKNOWLEDGED,
)

CHILD_FATES = ("on_time", "late", "unacknowledged")


@dataclass
class Spec:
    """What the planner decided about one task before its life is simulated."""

    kind: str
    priority: str
    title: str
    instructions: str
    issuing_unit_id: int
    target_unit_id: int
    created_at: datetime
    fate: str = "on_time"
    alternatives: list[int] = field(default_factory=list)  # where a rejected task may go instead
    warning_id: int | None = None
    amount_at_risk: int = 0
    deadline_cap: datetime | None = None
    parent_id: int | None = None


@dataclass
class Step:
    at: datetime
    action: str
    to_status: str
    unit_id: int
    note: str | None = None


class History:
    """Tasks and events of the demo, numbered from 1, cut at ``end``."""

    def __init__(self, rng: random.Random, calibration: dict, end: datetime) -> None:
        self.rng = rng
        self.cal = calibration
        self.end = end
        self.tasks: list[dict] = []
        self.events: list[dict] = []
        self._last_id = 0

    def _new_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def _share(self, span: timedelta, low: float, high: float) -> timedelta:
        return span * self.rng.uniform(low, high)

    def _lognormal(self, span: timedelta, median: float) -> timedelta:
        return span * (median * math.exp(0.6 * self.rng.gauss(0.0, 1.0)))

    def _escalate(self, steps: list[Step], when: datetime, reason: str, unit_id: int) -> None:
        delay = timedelta(minutes=self.cal["escalation_delay_minutes"])
        steps.append(Step(when + delay, "escalate", "", unit_id, reason))

    def _result(self, spec: Spec) -> dict:
        result: dict = {}
        if spec.kind in ("door_visit", "phone_followup"):
            reached = self.rng.random() < self.cal["door_visit_reached_share"]
            result["result_reached"] = reached
            if spec.kind == "door_visit":
                saved = reached and self.rng.random() < self.cal["door_visit_dissuaded_share"]
                result["result_loss_avoided"] = int(spec.amount_at_risk) if saved else 0
        elif spec.kind == "stop_payment_followup":
            result["result_loss_avoided"] = int(round(20_000 * math.exp(self.rng.gauss(0.0, 1.0)), -2))
        elif spec.kind == "publicity":
            result["result_people_reached"] = int(round(
                self.cal["publicity_people_median"] * math.exp(0.7 * self.rng.gauss(0.0, 1.0))))
        return result

    def _work(self, spec: Spec, steps: list[Step], assigned_at: datetime, ack_deadline: datetime,
              deadline: datetime, target: int, fate: str) -> datetime:
        """Acknowledge, start and complete; the time of completion."""
        window = ack_deadline - assigned_at
        if fate == "unacknowledged":
            ack_at = ack_deadline + self._share(window, 0.3, 2.0)
            self._escalate(steps, ack_deadline, UNACKNOWLEDGED, target)
        else:
            ack_at = assigned_at + min(self._lognormal(window, self.cal["ack_share_of_window_median"]),
                                       window * 0.95)
        steps.append(Step(ack_at, "acknowledge", ACKNOWLEDGED, target))
        start_at = ack_at + self._share(max(deadline - ack_at, timedelta(minutes=2)), 0.02, 0.1)
        steps.append(Step(start_at, "start", IN_PROGRESS, target))
        low, high = self.cal["work_share_of_deadline"]
        if fate == "late" or start_at >= deadline:
            done_at = max(deadline, start_at) + self._lognormal(
                deadline - assigned_at, self.cal["late_share_of_deadline_median"])
        else:
            done_at = start_at + self._share(deadline - start_at, low, high)
        if done_at > deadline + timedelta(minutes=self.cal["escalation_delay_minutes"]):
            self._escalate(steps, deadline, OVERDUE, target)
        return done_at

    def add(self, spec: Spec) -> dict | None:
        """Simulate one task without children; its row as stored at the end (None: issued later)."""
        if spec.created_at > self.end:
            return None
        rule = rule_for(spec.kind, spec.priority)
        ack_deadline, deadline = rule.deadlines(spec.created_at)
        if spec.deadline_cap is not None and spec.deadline_cap < deadline:
            deadline = spec.deadline_cap
            ack_deadline = min(ack_deadline, deadline)
        target, fate = spec.target_unit_id, spec.fate
        steps = [Step(spec.created_at, "issue", ASSIGNED, target)]
        assigned_at = spec.created_at
        if fate == "rejected":
            at = spec.created_at + self._share(ack_deadline - spec.created_at, 0.2, 0.9)
            steps.append(Step(at, "reject", REJECTED, target,
                              self.rng.choice(self.cal["reject_reasons"])))
            if not spec.alternatives:
                steps.append(Step(at + self._minutes(20, 90), "cancel", CANCELLED, target))
                return self._store(spec, steps, ack_deadline, deadline, {}, self._new_id())
            assigned_at = at + self._minutes(20, 90)
            target = self.rng.choice(spec.alternatives)
            if deadline <= assigned_at:
                deadline = assigned_at + rule.deadline
            ack_deadline = min(assigned_at + rule.ack_window, deadline)
            steps.append(Step(assigned_at, "reassign", ASSIGNED, target))
            fate = "on_time"
        if fate == "cancelled":
            at = assigned_at + self._share(deadline - assigned_at, 0.1, 0.6)
            steps.append(Step(at, "cancel", CANCELLED, target,
                              self.rng.choice(self.cal["cancel_reasons"])))
            return self._store(spec, steps, ack_deadline, deadline, {}, self._new_id())
        done_at = self._work(spec, steps, assigned_at, ack_deadline, deadline, target, fate)
        steps.append(Step(done_at, "complete", DONE, target))
        return self._store(spec, steps, ack_deadline, deadline, self._result(spec), self._new_id())

    def add_split(self, spec: Spec, stations: list[int], child_fates: list[str]) -> dict | None:
        """A task the target county splits to ``stations``; it completes with its children."""
        if spec.created_at > self.end:
            return None
        rule = rule_for(spec.kind, spec.priority)
        ack_deadline, deadline = rule.deadlines(spec.created_at)
        county = spec.target_unit_id
        steps = [Step(spec.created_at, "issue", ASSIGNED, county)]
        window = ack_deadline - spec.created_at
        ack_at = spec.created_at + min(self._lognormal(window, self.cal["ack_share_of_window_median"]),
                                       window * 0.95)
        steps.append(Step(ack_at, "acknowledge", ACKNOWLEDGED, county))
        split_at = ack_at + self._minutes(10, 120)
        steps.append(Step(split_at, "split", IN_PROGRESS, county))
        parent_id = self._new_id()
        result: dict = {}
        if split_at <= self.end:
            children = [self.add(Spec(spec.kind, spec.priority, spec.title, spec.instructions,
                                      county, station, split_at, fate, deadline_cap=deadline,
                                      parent_id=parent_id))
                        for station, fate in zip(stations, child_fates, strict=True)]
            finished = [c["closed_at"] for c in children if c["status"] == DONE]
            if len(finished) == len(children):
                done_at = max(finished)
                if done_at > deadline:
                    self._escalate(steps, deadline, OVERDUE, county)
                steps.append(Step(done_at, "children_done", DONE, county))
                people = sum(c["result_people_reached"] or 0 for c in children)
                result = {"result_people_reached": people or None}
        return self._store(spec, steps, ack_deadline, deadline, result, parent_id)

    def _store(self, spec: Spec, steps: list[Step], ack_deadline: datetime, deadline: datetime,
               result: dict, task_id: int) -> dict:
        row = {"id": task_id, "kind": spec.kind, "priority": spec.priority, "title": spec.title,
               "instructions": spec.instructions, "issuing_unit_id": spec.issuing_unit_id,
               "issued_by_id": None, "target_unit_id": spec.target_unit_id, "assignee_id": None,
               "warning_id": spec.warning_id, "case_id": None, "parent_id": spec.parent_id,
               "status": ASSIGNED, "status_note": None, "created_at": spec.created_at,
               "ack_deadline_at": ack_deadline, "deadline_at": deadline, "acknowledged_at": None,
               "started_at": None, "closed_at": None, "escalated_at": None, "escalated_for": None,
               "result_reached": None, "result_loss_avoided": None, "result_people_reached": None,
               "result_note": None, "version": 0}
        for step in sorted(steps, key=lambda s: s.at):
            if step.at > self.end:
                break
            self._apply(row, step, result)
        self.tasks.append(row)
        return row

    def _apply(self, row: dict, step: Step, result: dict) -> None:
        from_status = row["status"] if row["version"] else None
        at = step.at.replace(microsecond=0)
        row["version"] += 1
        if step.action == "escalate":
            row["escalated_at"], row["escalated_for"] = at, step.note
        else:
            row["status"], row["target_unit_id"] = step.to_status, step.unit_id
        if step.action == "acknowledge":
            row["acknowledged_at"] = at
        elif step.action in ("start", "split"):
            row["started_at"] = at
        elif step.action in ("complete", "children_done", "cancel"):
            row["closed_at"] = at
            if step.action != "cancel":
                row.update(result)
        elif step.action == "reassign":
            row["acknowledged_at"] = row["started_at"] = None
            row["escalated_at"] = row["escalated_for"] = None
            row["status_note"] = None
        if step.action in ("reject", "cancel"):
            row["status_note"] = step.note
        self.events.append({"task_id": row["id"], "at": at,
                            "action": step.action, "from_status": from_status,
                            "to_status": row["status"], "actor_id": None,
                            "unit_id": row["target_unit_id"],
                            "note": step.note if step.action in ("reject", "cancel") else None})
