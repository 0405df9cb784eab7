"""A retired station receives no new task: not a target, not offered, no door visit proposed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard.auth.scope import scope_of
from dashboard.commands.tasks import Reassign, TaskInvalid
from dashboard.commands.tasks.proposals import propose_door_visit
from dashboard.components.tasks import units_below
from tests.tasks.conftest import NOW, make_warning


@pytest.fixture
def retired(chain, session):
    """Station 99000103, retired (as ``RetireUnit`` leaves it) on the first of March."""
    station = chain.units["99000103"]
    station.retired_on, station.successor_id = date(2026, 3, 1), chain.units["99000102"].id
    session.commit()
    return station


def test_a_retired_station_is_refused_as_a_target_naming_it(chain, session, retired):
    with pytest.raises(TaskInvalid) as caught:
        chain.issue(to=("99000101", "99000103"))
    assert (caught.value.field, caught.value.key) == ("target_units", "task.error.target_retired")
    message = caught.value.message("zh-CN")
    assert "单位99000103" in message and "2026-03-01" in message
    assert chain.issue(to=("99000101",)).target_unit_id == chain.units["99000101"].id


def test_a_task_is_not_reassigned_to_a_retired_station(chain, session, retired):
    task = chain.issue(to=("99000101",))
    session.commit()
    with pytest.raises(TaskInvalid) as caught:
        Reassign(chain.users["commander"], task.id, task.version, target_unit="99000103").run(
            session, NOW + timedelta(minutes=1))
    assert caught.value.key == "task.error.target_retired"


def test_the_target_choices_leave_out_a_retired_station(chain, session, retired):
    commander = chain.users["commander"]
    codes = [o["value"] for o in units_below(session, scope_of(session, commander),
                                             chain.units["990001"], "zh-CN")]
    assert codes == ["99000101", "99000102"]


def test_no_door_visit_is_proposed_for_a_retired_stations_warning(chain, session, retired):
    old = make_warning(retired, NOW - timedelta(minutes=5), risk="high")
    live = make_warning(chain.units["99000102"], NOW - timedelta(minutes=5), risk="high")
    session.add_all([old, live])
    session.commit()
    assert propose_door_visit(session, old, NOW) is None
    assert propose_door_visit(session, live, NOW) is not None
