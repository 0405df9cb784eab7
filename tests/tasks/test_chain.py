"""Down the chain: issuing to several units, splitting, deadlines, progress, completion upwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.commands.tasks import (
    STEPS,
    Acknowledge,
    Cancel,
    Complete,
    IssueTask,
    Reassign,
    Reject,
    Split,
    TaskInvalid,
)
from dashboard.domain import Task
from dashboard.domain.tasks import ACKNOWLEDGED, CANCELLED, DONE, IN_PROGRESS
from tests.tasks.conftest import NOW, make_warning


def split_to_stations(chain, session, parent: Task, stations=("99000101", "99000102", "99000103"),
                      **fields) -> list[Task]:
    command = Split(chain.users["commander"], parent.id, parent.version, target_units=list(stations),
                    **fields)
    command.run(session, NOW)
    return command.children


def test_the_city_issues_to_several_counties_at_once(chain, session):
    tasks = IssueTask(chain.users["city_leader"], "publicity", "normal", "反诈宣传进社区",
                      target_units=["990001", "990002"]).run(session, NOW)
    assert [t.target_unit.code for t in tasks] == ["990001", "990002"]
    assert all(t.issuing_unit.code == "990000" and t.issued_by_id == chain.users["city_leader"].id
               for t in tasks)
    assert all(t.deadline_at == NOW + timedelta(days=7) for t in tasks)
    assert all(t.ack_deadline_at == NOW + timedelta(days=1) for t in tasks)
    assert [e.action for e in tasks[0].events] == ["issue"]


@pytest.mark.parametrize(("issuer", "targets"), [
    ("commander", ["990001"]),           # its own unit: tasks go down the chain
    ("commander", ["99000201"]),         # another county's station
    ("commander", ["990000"]),           # up the chain
    ("city_leader", ["no-such-unit"]),
    ("city_leader", []),
])
def test_targets_only_below_the_issuer(chain, session, issuer, targets):
    with pytest.raises(TaskInvalid) as refused:
        IssueTask(chain.users[issuer], "other", "normal", "x", target_units=targets).run(session, NOW)
    assert refused.value.field == "target_units"


def test_issue_checks_its_fields_in_form_order(chain, session):
    commander = chain.users["commander"]
    cases = [
        (dict(kind="nonsense"), "kind"),
        (dict(priority="whenever"), "priority"),
        (dict(title="  "), "title"),
        (dict(title="上门\x00"), "title"),  # PostgreSQL's text refuses NUL: refused here, on both
        (dict(deadline=NOW - timedelta(minutes=1)), "deadline"),
        (dict(deadline=NOW + timedelta(days=400)), "deadline"),
        (dict(assignee_id=chain.users["officer_b"].id), "assignee_id"),
        (dict(assignee_id=chain.users["commander"].id), "assignee_id"),
        (dict(warning_id=999_999), "warning_id"),
        (dict(case_id=999_999), "case_id"),
    ]
    for change, field in cases:
        values = dict(kind="door_visit", priority="high", title="上门", target_units=["99000101"])
        values.update(change)
        with pytest.raises(TaskInvalid) as refused:
            IssueTask(commander, **values).run(session, NOW)
        assert refused.value.field == field, change


def test_a_named_officer_and_a_linked_warning(chain, session):
    warning = make_warning(chain.units["99000101"], NOW - timedelta(minutes=5), risk="high")
    session.add(warning)
    session.flush()
    [task] = IssueTask(chain.users["commander"], "door_visit", "urgent", "上门劝阻",
                       target_units=["99000101"], assignee_id=chain.users["officer"].id,
                       warning_id=warning.id).run(session, NOW)
    assert task.assignee_id == chain.users["officer"].id and task.warning_id == warning.id
    assert task.deadline_at - NOW == timedelta(minutes=30)
    # a warning of another county is "not found" for this commander
    other = make_warning(chain.units["99000201"], NOW, risk="high")
    session.add(other)
    session.flush()
    with pytest.raises(TaskInvalid, match="warning_id"):
        IssueTask(chain.users["commander"], "door_visit", "urgent", "上门",
                  target_units=["99000101"], warning_id=other.id).run(session, NOW)


def test_split_children_take_no_later_deadline_than_the_parent(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity", priority="normal",
                         deadline=NOW + timedelta(days=2))
    children = split_to_stations(chain, session, parent)
    # the rule would give 7 days; the parent's deadline caps it
    assert all(c.deadline_at == parent.deadline_at for c in children)
    assert all(c.issuing_unit.code == "990001" and c.parent_id == parent.id for c in children)
    assert parent.status == IN_PROGRESS and parent.acknowledged_at == NOW
    with pytest.raises(TaskInvalid) as refused:
        Split(chain.users["commander"], parent.id, parent.version, target_units=["99000101"],
              deadline=parent.deadline_at + timedelta(minutes=1)).run(session, NOW)
    assert refused.value.field in ("deadline", "target_units")
    # a fresh station, but a deadline after the parent's
    reassign_child = children[0]
    with pytest.raises(TaskInvalid, match="deadline"):
        Reassign(chain.users["commander"], reassign_child.id, reassign_child.version,
                 target_unit="99000102", deadline=parent.deadline_at + timedelta(hours=1)
                 ).run(session, NOW)


def test_a_unit_gets_one_open_child_per_parent(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    split_to_stations(chain, session, parent, stations=["99000101"])
    with pytest.raises(TaskInvalid, match="target_units"):
        split_to_stations(chain, session, parent, stations=["99000101"])
    with pytest.raises(TaskInvalid, match="target_units"):  # not below the county
        split_to_stations(chain, session, parent, stations=["99000201"])


def test_parent_completes_when_all_children_are_done(chain, session):
    city_task = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    children = split_to_stations(chain, session, city_task)
    officers = ["officer", "officer_b", "officer_c"]
    for n, (child, officer) in enumerate(zip(children, officers, strict=True), start=1):
        Acknowledge(chain.users[officer], child.id, child.version).run(session, NOW)
        Complete(chain.users[officer], child.id, child.version, people_reached=100 * n
                 ).run(session, NOW + timedelta(hours=n))
        session.refresh(city_task)
        assert (city_task.status == DONE) == (n == 3)
    assert city_task.result_people_reached == 600
    assert city_task.closed_at == NOW + timedelta(hours=3)
    assert city_task.events[-1].action == "children_done" and city_task.events[-1].actor_id is None


def test_a_parent_with_open_children_is_not_completed_by_hand(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    split_to_stations(chain, session, parent, stations=["99000101"])
    with pytest.raises(TaskInvalid, match="status"):
        Complete(chain.users["commander"], parent.id, parent.version, people_reached=5
                 ).run(session, NOW)
    with pytest.raises(TaskInvalid, match="status"):
        Reject(chain.users["commander"], parent.id, parent.version, note="x").run(session, NOW)


def test_cancelling_a_parent_cancels_its_open_children(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    first, second, _ = split_to_stations(chain, session, parent)
    Acknowledge(chain.users["officer"], first.id, first.version).run(session, NOW)
    Complete(chain.users["officer"], first.id, first.version, people_reached=10).run(session, NOW)
    Cancel(chain.users["city_leader"], parent.id, parent.version, note="活动取消").run(session, NOW)
    session.expire_all()
    statuses = [c.status for c in session.get(Task, parent.id).children]
    assert statuses == [DONE, CANCELLED, CANCELLED]
    assert session.get(Task, second.id).events[-1].action == "parent_cancelled"


def test_cancelling_the_last_open_child_completes_the_parent(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    first, second = split_to_stations(chain, session, parent, stations=["99000101", "99000102"])
    Acknowledge(chain.users["officer"], first.id, first.version).run(session, NOW)
    Complete(chain.users["officer"], first.id, first.version, people_reached=10).run(session, NOW)
    Cancel(chain.users["commander"], second.id, second.version).run(session, NOW)
    session.refresh(parent)
    assert parent.status == DONE and parent.result_people_reached == 10


@pytest.mark.parametrize(("kind", "fields", "error"), [
    ("door_visit", dict(loss_avoided=0), "reached"),
    ("door_visit", dict(reached=True), "loss_avoided"),
    ("door_visit", dict(reached=True, loss_avoided=-1), "loss_avoided"),
    ("door_visit", dict(reached="maybe", loss_avoided=0), "reached"),
    ("door_visit", dict(reached=True, loss_avoided=0, people_reached=3), "people_reached"),
    ("publicity", dict(), "people_reached"),
    ("publicity", dict(people_reached="many"), "people_reached"),
    ("clue_verification", dict(reached=False), "reached"),
    ("door_visit", dict(reached=True, loss_avoided="20000"), None),
    ("publicity", dict(people_reached=250), None),
    ("report_request", dict(), None),
])
def test_results_per_kind(chain, session, kind, fields, error):
    task = chain.issue(kind=kind)
    Acknowledge(chain.users["officer"], task.id, task.version).run(session, NOW)
    command = Complete(chain.users["officer"], task.id, task.version, **fields)
    if error is None:
        assert command.run(session, NOW).status == DONE
    else:
        with pytest.raises(TaskInvalid) as refused:
            command.run(session, NOW)
        assert refused.value.field == error
        assert task.status == ACKNOWLEDGED


def test_overdue_is_derived_from_the_deadline(chain, session):
    task = chain.issue(kind="door_visit", priority="urgent")
    assert not task.is_overdue(NOW + timedelta(minutes=30))
    assert task.is_overdue(NOW + timedelta(minutes=31))
    Acknowledge(chain.users["officer"], task.id, task.version).run(session, NOW)
    Complete(chain.users["officer"], task.id, task.version, reached=True, loss_avoided=0
             ).run(session, NOW + timedelta(minutes=45))
    assert not task.is_overdue(NOW + timedelta(hours=2)) and task.done_late()


def test_the_steps_offered_on_a_split_parent(chain, session):
    parent = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    split_to_stations(chain, session, parent, stations=["99000101"])
    commander = chain.users["commander"]
    offered = {step for step, command in STEPS.items()
               if command(commander, parent.id).possible(session, parent, NOW)}
    assert offered == {"split"}  # not complete or reject while its child is open
    assert {step for step, command in STEPS.items()
            if command(chain.users["city_leader"], parent.id).possible(session, parent, NOW)
            } == {"cancel"}
