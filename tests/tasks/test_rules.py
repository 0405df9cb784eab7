"""Deadline rules and the warnings that call for a door visit are data, checked on load."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from dashboard.domain.task_rules import (
    RULES_FILE,
    RulesFileError,
    load_rules,
    priority_for_warning,
    rule_for,
    rules,
)
from tests.tasks.conftest import NOW


def test_a_high_risk_door_visit_has_thirty_minutes():
    rule = rule_for("door_visit", "urgent")
    assert rule.deadline == timedelta(minutes=30)
    ack, deadline = rule.deadlines(NOW)
    assert ack == NOW + timedelta(minutes=5) and deadline == NOW + timedelta(minutes=30)


def test_every_kind_and_priority_has_a_rule():
    assert len(rules()) == 7 * 4
    assert all(r.ack_window <= r.deadline for r in rules().values())


@pytest.mark.parametrize(("edit", "error"), [
    (lambda rows: rows[:-1], "no rule for"),
    (lambda rows: rows + [rows[1]], "a second rule"),
    (lambda rows: rows + ["teleport,urgent,5,1"], "unknown kind"),
    (lambda rows: [rows[0], rows[1].replace(",30,", ",thirty,")] + rows[2:], "whole number"),
    (lambda rows: [rows[0], rows[1].replace(",30,5", ",3,5")] + rows[2:], "after the deadline"),
])
def test_a_broken_rules_file_is_refused(tmp_path, edit, error):
    rows = RULES_FILE.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "deadline_rules.csv"
    broken.write_text("\n".join(edit(rows)) + "\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match=error):
        load_rules(broken)


@pytest.mark.parametrize(("risk", "status", "outcome", "priority"), [
    ("high", "dispatched", None, "urgent"),
    ("high", "closed", "unreachable", "high"),
    ("high", "closed", "dissuaded_no_loss", None),
    ("medium", "closed", "unreachable", "high"),
    ("medium", "dispatched", None, None),
    ("low", "closed", "dissuaded_no_loss", None),
])
def test_which_warnings_call_for_a_door_visit(risk, status, outcome, priority):
    warning = SimpleNamespace(risk_level=risk, status=status, outcome=outcome,
                              fraud_type="investment", channel="call")
    assert priority_for_warning(warning) == priority
