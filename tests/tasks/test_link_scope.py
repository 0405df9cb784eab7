"""A task links only records everyone on it may open, on every path; its page shows them only so.

The chain (``tests/tasks/conftest.py``): county 990001 with stations
99000101-03, county 990002 with station 99000201.  A warning and a case sit
at each station.  Issuing, splitting and re-assigning must refuse any link a
receiving unit (or named officer) could not open on the record's own page;
the task page shows a link only to a viewer who could.
"""

from __future__ import annotations

import json
from datetime import timedelta

import plotly
import pytest
from sqlalchemy import func, select

from dashboard.commands.tasks import IssueTask, Reassign, Split, TaskInvalid
from dashboard.domain import Case, Task
from dashboard.domain.tasks import ASSIGNED
from dashboard.pages._task_parts import task_body
from tests.tasks.conftest import NOW, make_warning

STATIONS = ("99000101", "99000102", "99000103", "99000201")
FIELD = {"warning": "warning_id", "case": "case_id"}


@pytest.fixture
def records(chain, session) -> dict[tuple[str, str], int]:
    """(kind, station code) -> id of the warning or case at that station."""
    made = {}
    for n, code in enumerate(STATIONS):
        station = chain.units[code]
        warning = make_warning(station, NOW - timedelta(minutes=30))
        case = Case(number=f"A{n:010d}", reported_at=NOW - timedelta(minutes=20),
                    fraud_type="investment", county_id=station.parent_id, station_id=station.id,
                    loss=1000, status="filed")
        session.add_all([warning, case])
        session.flush()
        made["warning", code], made["case", code] = warning.id, case.id
    session.commit()
    return made


def tasks_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Task))


@pytest.mark.parametrize("kind", ["warning", "case"])
@pytest.mark.parametrize(("issuer", "targets", "at", "refused"), [
    ("commander", ["99000101"], "99000101", None),
    ("commander", ["99000101"], "99000102", "link"),              # a neighbouring station's
    ("commander", ["99000101", "99000102"], "99000101", "link"),  # one target of two cannot
    ("commander", ["99000101"], "99000201", "not_found"),         # not even the issuer's
    ("city_leader", ["990001"], "99000103", None),                # the county holds its stations
    ("city_leader", ["990002"], "99000101", "link"),              # another county's
    ("city_leader", ["990001", "990002"], "99000201", "link"),
    ("county_leader", ["99000102"], "99000101", "link"),
])
def test_issuing_links_only_what_every_receiving_unit_may_open(chain, session, records, kind,
                                                                issuer, targets, at, refused):
    command = IssueTask(chain.users[issuer], "clue_verification", "normal", "核查",
                        target_units=targets, **{FIELD[kind]: records[kind, at]})
    if refused is None:
        tasks = command.run(session, NOW)
        assert all(getattr(t, FIELD[kind]) == records[kind, at] for t in tasks)
        return
    with pytest.raises(TaskInvalid) as error:
        command.run(session, NOW)
    assert error.value.field == FIELD[kind]
    assert error.value.key == ("task.error.not_found" if refused == "not_found"
                               else f"task.error.{kind}_out_of_reach")
    if refused == "link":
        unit = next(u for u in targets if not at.startswith(u))  # the first that cannot open it
        assert chain.units[unit].name_en in error.value.message("en")
        assert chain.units[unit].name_zh in error.value.message("zh-CN")
    session.rollback()
    assert tasks_count(session) == 0


@pytest.mark.parametrize("kind", ["warning", "case"])
def test_a_named_officer_must_see_the_link_too(chain, session, records, kind):
    [task] = IssueTask(chain.users["commander"], "door_visit", "high", "上门",
                       target_units=["99000101"], assignee_id=chain.users["officer"].id,
                       **{FIELD[kind]: records[kind, "99000101"]}).run(session, NOW)
    assert task.assignee_id == chain.users["officer"].id


@pytest.mark.parametrize("kind", ["warning", "case"])
def test_splitting_gives_the_links_only_to_units_that_may_open_them(chain, session, records, kind):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity",
                         **{FIELD[kind]: records[kind, "99000101"]})
    session.commit()
    version = parent.version
    for stations in (["99000102"], ["99000101", "99000102"], ["99000103", "99000101"]):
        with pytest.raises(TaskInvalid) as error:
            Split(chain.users["commander"], parent.id, version, target_units=stations).run(session, NOW)
        assert (error.value.field, error.value.key) == ("target_units", f"task.error.{kind}_out_of_reach")
        session.rollback()
        assert tasks_count(session) == 1 and session.get(Task, parent.id).status == ASSIGNED
    command = Split(chain.users["commander"], parent.id, version, target_units=["99000101"])
    command.run(session, NOW)
    assert [getattr(c, FIELD[kind]) for c in command.children] == [records[kind, "99000101"]]


@pytest.mark.parametrize("kind", ["warning", "case"])
@pytest.mark.parametrize(("issuer", "first", "at", "second"), [
    ("commander", "99000101", "99000101", "99000102"),
    ("city_leader", "990001", "99000102", "990002"),
])
def test_reassigning_goes_only_to_a_unit_that_may_open_the_links(chain, session, records, kind,
                                                                 issuer, first, at, second):
    task = chain.issue(by=issuer, to=[first], **{FIELD[kind]: records[kind, at]})
    session.commit()
    seen = (task.target_unit_id, task.version)
    with pytest.raises(TaskInvalid) as error:
        Reassign(chain.users[issuer], task.id, task.version, target_unit=second).run(session, NOW)
    assert (error.value.field, error.value.key) == ("target_units", f"task.error.{kind}_out_of_reach")
    session.rollback()
    stored = session.get(Task, task.id)
    assert (stored.target_unit_id, stored.version) == seen
    plain = chain.issue(by=issuer, to=[first])  # without a link the same move is fine
    Reassign(chain.users[issuer], plain.id, plain.version, target_unit=second).run(session, NOW)


def _shown(body) -> dict[str, str]:
    """Text of the task page's ``task-page-warning`` and ``task-page-case`` cells."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") in ("task-page-warning", "task-page-case"):
                found[props["id"]] = json.dumps(props.get("children"), ensure_ascii=False)
                found[props["id"] + ":href"] = props.get("href")
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(json.dumps(body, cls=plotly.utils.PlotlyJSONEncoder)))
    return found


@pytest.mark.parametrize(("viewer", "sees"), [
    ("commander", True),       # the issuer's county holds 99000101
    ("county_leader", True),
    ("city_leader", True),
    ("officer_b", False),      # the receiving station 99000102 could not open them
])
def test_the_task_page_shows_a_link_only_to_who_may_open_it(chain, session, records, viewer, sees):
    """A task linking a neighbour's records (as one written before the check would be)."""
    task = Task(kind="clue_verification", priority="normal", title="旧任务", instructions="",
                issuing_unit_id=chain.units["990001"].id, issued_by_id=chain.users["commander"].id,
                target_unit_id=chain.units["99000102"].id, warning_id=records["warning", "99000101"],
                case_id=records["case", "99000101"], status=ASSIGNED, created_at=NOW,
                ack_deadline_at=NOW + timedelta(hours=1), deadline_at=NOW + timedelta(days=1),
                version=1)
    session.add(task)
    session.flush()
    for lang, unavailable in (("en", "Not available to you"), ("zh-CN", "无权查看")):
        shown = _shown(task_body(session, task, chain.users[viewer], NOW, lang))
        wid, case = records["warning", "99000101"], session.get(Case, records["case", "99000101"])
        if sees:
            assert f"#{wid}" in shown["task-page-warning"] and "张" in shown["task-page-warning"]
            assert shown["task-page-warning:href"] == f"/warnings/{wid}"
            assert case.number in shown["task-page-case"]
        else:
            assert shown["task-page-warning"] == shown["task-page-case"] == json.dumps(unavailable,
                                                                                     ensure_ascii=False)
            assert shown["task-page-warning:href"] is None
            text = json.dumps(task_body(session, task, chain.users[viewer], NOW, lang),
                              cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
            assert f"/warnings/{wid}" not in text and case.number not in text and f"#{wid}" not in text
