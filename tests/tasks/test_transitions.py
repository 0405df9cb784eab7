"""Every task step for every role and every status: allowed exactly where the rules say.

The task under test goes from county 990001 to its station 99000101.  Target
steps belong to that station's users, issuer steps to the commanders of the
county and of the city above it; a user who cannot see the task gets "not
found", a role without the permission "denied".
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound
from dashboard.commands.tasks import (
    Acknowledge,
    Cancel,
    Complete,
    Reassign,
    Reject,
    Split,
    Start,
    TaskInvalid,
)
from dashboard.domain import AuditEntry, Task, TaskEvent
from dashboard.domain.tasks import (
    ACKNOWLEDGED,
    ASSIGNED,
    CANCELLED,
    DONE,
    IN_PROGRESS,
    REJECTED,
    STATUSES,
)
from tests.tasks.conftest import NOW, USERS

OK, DENIED, NOT_FOUND, ACTOR = "ok", "denied", "not_found", "actor"
TARGET_SIDE = {"city_leader": ACTOR, "county_leader": ACTOR, "commander": ACTOR,
               "other_commander": NOT_FOUND, "officer": OK, "officer_b": NOT_FOUND,
               "officer_c": NOT_FOUND, "other_officer": NOT_FOUND, "press": DENIED,
               "admin": DENIED, "auditor": DENIED}
ISSUER_SIDE = {"city_leader": OK, "county_leader": OK, "commander": OK,
               "other_commander": NOT_FOUND, "officer": DENIED, "officer_b": DENIED,
               "officer_c": DENIED, "other_officer": DENIED, "press": DENIED, "admin": DENIED,
               "auditor": DENIED}
# step -> (command factory, who may, statuses it may start from, status after)
STEPS = {
    "acknowledge": (lambda u, t: Acknowledge(u, t.id, t.version), TARGET_SIDE,
                    {ASSIGNED}, ACKNOWLEDGED),
    "start": (lambda u, t: Start(u, t.id, t.version), TARGET_SIDE,
              {ASSIGNED, ACKNOWLEDGED}, IN_PROGRESS),
    "complete": (lambda u, t: Complete(u, t.id, t.version, note="已核实"), TARGET_SIDE,
                 {ACKNOWLEDGED, IN_PROGRESS}, DONE),
    "reject": (lambda u, t: Reject(u, t.id, t.version, note="不属本所辖区"), TARGET_SIDE,
               {ASSIGNED, ACKNOWLEDGED, IN_PROGRESS}, REJECTED),
    "cancel": (lambda u, t: Cancel(u, t.id, t.version, note="重复下达"), ISSUER_SIDE,
               {ASSIGNED, ACKNOWLEDGED, IN_PROGRESS, REJECTED}, CANCELLED),
    "reassign": (lambda u, t: Reassign(u, t.id, t.version, target_unit="99000102"),
                 ISSUER_SIDE, {ASSIGNED, ACKNOWLEDGED, IN_PROGRESS, REJECTED}, ASSIGNED),
}
ERRORS = {DENIED: PermissionDenied, NOT_FOUND: NotFound, ACTOR: TaskInvalid}


def put_in_status(task: Task, status: str) -> None:
    """Move a fresh task to ``status`` directly, as if its earlier steps had been taken."""
    task.status = status
    if status in (ACKNOWLEDGED, IN_PROGRESS, DONE):
        task.acknowledged_at = NOW
    if status in (IN_PROGRESS, DONE):
        task.started_at = NOW
    if status in (DONE, CANCELLED):
        task.closed_at = NOW


def counts(session):
    return (session.scalar(select(func.count()).select_from(TaskEvent)),
            session.scalar(select(func.count()).select_from(AuditEntry)))


@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("step", sorted(STEPS))
def test_who_may_take_each_step(chain, session, step, user):
    make, who, _, after = STEPS[step]
    task = chain.issue()
    if step == "complete":
        put_in_status(task, ACKNOWLEDGED)
    session.commit()
    expected = who[user]
    events_before, _ = counts(session)
    if expected == OK:
        done = make(chain.users[user], task).run(session, NOW)
        assert done.status == after and done.version == 2
        events_after, _ = counts(session)
        assert events_after == events_before + 1
        event = session.scalars(select(TaskEvent).order_by(TaskEvent.id.desc())).first()
        assert event.actor_id == chain.users[user].id and event.action == step
        audit_row = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert audit_row.action == "task_changed" and audit_row.object == f"task:{task.id}"
        return
    with pytest.raises(ERRORS[expected]) as refused:
        make(chain.users[user], task).run(session, NOW)
    if expected == ACTOR:
        assert refused.value.field == "actor"
    session.commit()  # the refusal's audit row, if any, is kept
    session.expire_all()
    assert session.get(Task, task.id).version == 1
    assert counts(session)[0] == events_before
    if expected in (DENIED, NOT_FOUND):
        denial = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert denial.action == "access_denied" and denial.username == chain.users[user].username


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("step", sorted(STEPS))
def test_which_status_each_step_starts_from(chain, session, step, status):
    make, who, allowed_from, after = STEPS[step]
    actor = "officer" if who is TARGET_SIDE else "commander"
    task = chain.issue()
    put_in_status(task, status)
    session.commit()
    if status in allowed_from:
        assert make(chain.users[actor], task).run(session, NOW).status == after
    else:
        with pytest.raises(TaskInvalid) as refused:
            make(chain.users[actor], task).run(session, NOW)
        assert refused.value.field == "status"


@pytest.mark.parametrize("user", sorted(USERS))
def test_who_may_split_a_county_task(chain, session, user):
    task = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    session.commit()
    expected = {"commander": OK, "county_leader": OK, "city_leader": ACTOR,
                "other_commander": NOT_FOUND, "press": DENIED, "admin": DENIED,
                "auditor": DENIED}.get(user, DENIED)  # officers may not split
    command = Split(chain.users[user], task.id, task.version, target_units=["99000101"])
    if expected == OK:
        command.run(session, NOW)
        assert len(command.children) == 1
    else:
        with pytest.raises(ERRORS[expected]):
            command.run(session, NOW)


@pytest.mark.parametrize("status", STATUSES)
def test_split_starts_only_from_an_unfinished_task(chain, session, status):
    task = chain.issue(by="city_leader", to=["990001"], kind="publicity")
    put_in_status(task, status)
    session.commit()
    command = Split(chain.users["commander"], task.id, task.version, target_units=["99000101"])
    if status in (ASSIGNED, ACKNOWLEDGED, IN_PROGRESS):
        assert command.run(session, NOW).status == IN_PROGRESS
    else:
        with pytest.raises(TaskInvalid):
            command.run(session, NOW)


def test_nothing_moves_from_done(chain, session):
    task = chain.issue()
    put_in_status(task, DONE)
    session.commit()
    for step, (make, who, _, _) in STEPS.items():
        actor = "officer" if who is TARGET_SIDE else "commander"
        with pytest.raises(TaskInvalid, match="status"):
            make(chain.users[actor], task).run(session, NOW)
        assert step


def test_a_rejection_needs_a_reason_and_goes_back_to_the_issuer(chain, session):
    task = chain.issue()
    session.commit()
    with pytest.raises(TaskInvalid) as refused:
        Reject(chain.users["officer"], task.id, task.version, note="  ").run(session, NOW)
    assert refused.value.field == "note"
    Reject(chain.users["officer"], task.id, task.version, note="不属本所").run(session, NOW)
    assert task.status == REJECTED and task.status_note == "不属本所"
    # back with the issuer: re-send to the same unit is allowed only now
    Reassign(chain.users["commander"], task.id, task.version, target_unit="99000101",
             note="经核实属你所辖区").run(session, NOW)
    assert task.status == ASSIGNED and task.target_unit_id == chain.units["99000101"].id


def test_reassign_to_the_same_unit_needs_a_rejection(chain, session):
    task = chain.issue()
    with pytest.raises(TaskInvalid, match="target_units"):
        Reassign(chain.users["commander"], task.id, task.version,
                 target_unit="99000101").run(session, NOW)


def test_a_stale_version_names_who_changed_it_and_when(chain, session):
    task = chain.issue()
    session.commit()
    seen = task.version
    Acknowledge(chain.users["officer"], task.id, seen).run(session, NOW)
    session.commit()
    with pytest.raises(TaskInvalid) as refused:
        Cancel(chain.users["commander"], task.id, seen).run(session, NOW)
    assert refused.value.field == "version"
    assert refused.value.message("en") == (
        "This task was changed by officer at 2026-03-02 09:30; reload it and try again.")
    assert "officer" in refused.value.message("zh-CN")


def test_error_messages_name_their_field(chain, session):
    task = chain.issue()
    with pytest.raises(TaskInvalid) as refused:
        Acknowledge(chain.users["commander"], task.id, task.version).run(session, NOW)
    assert refused.value.message("en").startswith("User: only the users of the unit")
    assert refused.value.message("zh-CN").startswith("操作人：")
