"""Deadline rules: how long a task of a kind and priority may take, and when it must be acknowledged.

The rules are data (``data/tasks/deadline_rules.csv``: kind, priority,
deadline minutes, acknowledgement minutes), one row for every kind of
``data/reference/task_kinds.csv`` and priority of ``task_priorities.csv``;
``data/tasks/from_warning.csv`` says which warnings propose a door visit and
at which priority (first matching row wins: an open high-risk warning is
urgent, 30 minutes by default; ``applies_to`` is ``open`` for warnings still
being handled, ``any`` for closed ones too).  The files are read and checked once per process.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from dashboard.paths import DATA_DIR, REFERENCE_DIR

TASKS_DATA_DIR = DATA_DIR / "tasks"
RULES_FILE = TASKS_DATA_DIR / "deadline_rules.csv"
FROM_WARNING_FILE = TASKS_DATA_DIR / "from_warning.csv"
WARNING_FIELDS = ("risk_level", "outcome", "fraud_type", "channel")
APPLIES_TO = ("open", "any")
CLOSED = "closed"  # the warning status after which only ``any`` triggers apply


class RulesFileError(ValueError):
    """A rules file that does not match the reference lists."""


@dataclass(frozen=True)
class DeadlineRule:
    kind: str
    priority: str
    deadline: timedelta
    ack_window: timedelta

    def deadlines(self, issued_at: datetime) -> tuple[datetime, datetime]:
        """``(ack_deadline, deadline)`` of a task issued at ``issued_at``."""
        deadline = issued_at + self.deadline
        return min(issued_at + self.ack_window, deadline), deadline


@dataclass(frozen=True)
class WarningTrigger:
    field: str
    value: str
    priority: str
    applies_to: str = "any"

    def matches(self, warning) -> bool:
        if self.applies_to == "open" and getattr(warning, "status", None) == CLOSED:
            return False
        return str(getattr(warning, self.field, None)) == self.value


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _codes(name: str) -> list[str]:
    return [row["code"] for row in _read(REFERENCE_DIR / f"{name}.csv")]


def _minutes(row: dict[str, str], column: str, path: Path, line: int) -> timedelta:
    try:
        value = int(row[column])
    except (KeyError, ValueError):
        raise RulesFileError(f"{path.name} line {line}: {column} must be a whole number") from None
    if value <= 0:
        raise RulesFileError(f"{path.name} line {line}: {column} must be positive")
    return timedelta(minutes=value)


def load_rules(path: Path = RULES_FILE) -> dict[tuple[str, str], DeadlineRule]:
    """Every rule by ``(kind, priority)``; every pair of the reference lists must have one."""
    kinds, priorities = _codes("task_kinds"), _codes("task_priorities")
    rules: dict[tuple[str, str], DeadlineRule] = {}
    for line, row in enumerate(_read(path), start=2):
        key = (row.get("kind", ""), row.get("priority", ""))
        if key[0] not in kinds or key[1] not in priorities:
            raise RulesFileError(f"{path.name} line {line}: unknown kind or priority {key}")
        if key in rules:
            raise RulesFileError(f"{path.name} line {line}: a second rule for {key}")
        deadline = _minutes(row, "deadline_minutes", path, line)
        ack = _minutes(row, "ack_minutes", path, line)
        if ack > deadline:
            raise RulesFileError(f"{path.name} line {line}: acknowledgement after the deadline")
        rules[key] = DeadlineRule(key[0], key[1], deadline, ack)
    missing = [(k, p) for k in kinds for p in priorities if (k, p) not in rules]
    if missing:
        raise RulesFileError(f"{path.name}: no rule for {missing}")
    return rules


def load_warning_triggers(path: Path = FROM_WARNING_FILE) -> tuple[WarningTrigger, ...]:
    priorities = _codes("task_priorities")
    triggers = []
    for line, row in enumerate(_read(path), start=2):
        if (row.get("field") not in WARNING_FIELDS or row.get("priority") not in priorities
                or row.get("applies_to") not in APPLIES_TO):
            raise RulesFileError(f"{path.name} line {line}: unknown field, priority or applies_to")
        triggers.append(WarningTrigger(row["field"], row["value"], row["priority"],
                                       row["applies_to"]))
    return tuple(triggers)


@cache
def rules() -> dict[tuple[str, str], DeadlineRule]:
    """The shipped rules, read once."""
    return load_rules()


@cache
def warning_triggers() -> tuple[WarningTrigger, ...]:
    return load_warning_triggers()


def rule_for(kind: str, priority: str) -> DeadlineRule:
    """The rule of ``kind`` x ``priority`` (``KeyError`` for codes the lists do not know)."""
    return rules()[(kind, priority)]


def priority_for_warning(warning) -> str | None:
    """The priority of the door visit ``warning`` calls for, or None if it calls for none."""
    for trigger in warning_triggers():
        if trigger.matches(warning):
            return trigger.priority
    return None
