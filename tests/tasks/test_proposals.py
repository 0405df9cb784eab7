"""From a warning: a door visit is proposed for its station and confirmed with one call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.auth.records import NotFound
from dashboard.auth.scope import scope_of
from dashboard.commands.tasks import Cancel, TaskInvalid
from dashboard.commands.tasks.proposals import confirm_door_visit, proposals_in, propose_door_visit
from tests.tasks.conftest import NOW, make_warning


@pytest.fixture
def warnings(chain, session):
    station = chain.units["99000101"]
    made = {
        "high_open": make_warning(station, NOW - timedelta(minutes=3), risk="high"),
        "unreachable": make_warning(station, NOW - timedelta(hours=2), status="closed",
                                    outcome="unreachable"),
        "medium_open": make_warning(station, NOW - timedelta(minutes=10)),
        "high_dissuaded": make_warning(station, NOW - timedelta(hours=1), risk="high",
                                       status="closed", outcome="dissuaded_no_loss"),
        "elsewhere": make_warning(chain.units["99000201"], NOW - timedelta(minutes=1), risk="high"),
    }
    session.add_all(made.values())
    session.commit()
    return made


def test_a_high_risk_warning_proposes_an_urgent_door_visit(chain, session, warnings):
    warning = warnings["high_open"]
    proposal = propose_door_visit(session, warning, NOW, "zh-CN")
    assert proposal.station_id == chain.units["99000101"].id and proposal.priority == "urgent"
    assert proposal.deadline_at == NOW + timedelta(minutes=30)
    assert f"#{warning.id}" in proposal.title and "张某" not in proposal.instructions
    assert "13800001111" not in proposal.title + proposal.instructions


def test_which_warnings_are_proposed_in_scope(chain, session, warnings):
    proposed = proposals_in(session, scope_of(session, chain.users["commander"]), NOW, "en")
    assert [p.warning_id for p in proposed] == [warnings["high_open"].id,
                                                warnings["unreachable"].id]
    assert [p.priority for p in proposed] == ["urgent", "high"]


def test_the_commander_confirms_with_one_call(chain, session, warnings):
    commander = chain.users["commander"]
    scope = scope_of(session, commander)
    task = confirm_door_visit(session, commander, scope, warnings["high_open"].id, now=NOW, lang="en")
    assert (task.kind, task.priority, task.warning_id) == ("door_visit", "urgent",
                                                           warnings["high_open"].id)
    assert task.target_unit.code == "99000101" and task.deadline_at == NOW + timedelta(minutes=30)
    # proposed once: a second confirmation is refused
    with pytest.raises(TaskInvalid, match="warning_id"):
        confirm_door_visit(session, commander, scope, warnings["high_open"].id, now=NOW)
    # a cancelled visit may be proposed again
    Cancel(commander, task.id, task.version).run(session, NOW)
    assert propose_door_visit(session, warnings["high_open"], NOW) is not None


def test_no_proposal_for_a_dissuaded_warning_or_outside_scope(chain, session, warnings):
    commander = chain.users["commander"]
    scope = scope_of(session, commander)
    with pytest.raises(TaskInvalid):
        confirm_door_visit(session, commander, scope, warnings["medium_open"].id, now=NOW)
    with pytest.raises(TaskInvalid):
        confirm_door_visit(session, commander, scope, warnings["high_dissuaded"].id, now=NOW)
    with pytest.raises(NotFound):
        confirm_door_visit(session, commander, scope, warnings["elsewhere"].id, now=NOW)
