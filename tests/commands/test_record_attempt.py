"""Recording dissuasion attempts and outcomes from the station: checks, aggregates, concurrency."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted, rebuild
from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound
from dashboard.auth.scope import scope_for_unit
from dashboard.commands.record_attempt import OutcomeInvalid, RecordAttempt, WarningChanged
from dashboard.commands.tasks.proposals import proposals_in
from dashboard.domain import AuditEntry, Dissuasion, User, Warning
from dashboard.domain.aggregates import DissuasionDay, OutcomeDay, WarningDay
from dashboard.domain.base import SHANGHAI
from tests.aggregates.test_maintain import aggregate_rows
from tests.factories import build_chain, make_warning

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


def add_user(session, username: str, role: str, unit) -> User:
    user = User(username=username, display_name=f"{username} name", password_hash="x", role=role,
                unit_id=unit.id if unit else None, is_active=True, failed_logins=0,
                created_at=NOW, password_changed_at=NOW)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(engine):
    """A chain, an officer of station 99000101 and one of 99000102, a commander of 990001, and a
    high-risk warning at 99000101 received ten minutes ago."""
    with Session(engine) as session, session.begin():
        units = build_chain(session)
        for name, role, unit in (("officer", "officer", units["99000101"]),
                                 ("neighbour", "officer", units["99000102"]),
                                 ("commander", "commander", units["990001"]),
                                 ("leader", "leader", units["city"])):
            add_user(session, name, role, unit)
        warning = make_warning(units["99000101"], NOW - timedelta(minutes=10), risk="high",
                               amount=80_000)
        session.add(warning)
        session.flush()
        apply_inserted(session, warning)
        ids = {"warning": warning.id, "county": units["990001"].id}
    return ids


def user(session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def record(session, name: str, warning_id: int, version=1, **fields) -> object:
    values = {"method": "phone", "result": "not_convinced", **fields}
    return RecordAttempt(user(session, name), warning_id, version, **values).run(session, NOW)


def test_a_failed_call_then_a_door_visit_close_the_warning_and_move_the_aggregates(engine, world):
    wid = world["warning"]
    with Session(engine) as session:
        record(session, "officer", wid, 1, note="接通后称没有被骗，挂断")
        session.commit()
        warning = session.get(Warning, wid)
        assert (warning.status, warning.first_contact_at, warning.version) == ("in_progress", NOW, 2)
        done = record(session, "officer", wid, 2, method="door_visit", result="dissuaded",
                      outcome="dissuaded_no_loss", loss_avoided="80000")
        session.commit()
        assert done.proposal is None
        warning = session.get(Warning, wid)
        assert (warning.status, warning.outcome, warning.closed_at, warning.loss_avoided) == (
            "closed", "dissuaded_no_loss", NOW, 80_000)
        attempts = session.scalars(select(Dissuasion).where(Dissuasion.warning_id == wid)
                                   .order_by(Dissuasion.id)).all()
        assert [(a.method, a.result, a.officer) for a in attempts] == [
            ("phone", "not_convinced", "officer name"), ("door_visit", "dissuaded", "officer name")]
        assert sum(session.scalars(select(DissuasionDay.attempts))) == 2
        assert session.scalar(select(OutcomeDay.loss_avoided)) == 80_000
        assert session.scalar(select(WarningDay.contacted_on_time)) == 1
        kept = aggregate_rows(session)
        rebuild(session.connection())
        assert aggregate_rows(session) == kept  # the same as recomputing from the raw rows
        session.rollback()
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == audit.OUTCOME_RECORDED).order_by(AuditEntry.id)).all()
        assert [e.object for e in entries] == [f"warning:{wid}"] * 2
        assert "挂断" not in "".join(e.detail for e in entries)  # the note stays out of the log


def test_unreachable_proposes_a_door_visit_to_the_commander(engine, world):
    wid = world["warning"]
    with Session(engine) as session:
        done = record(session, "officer", wid, method="phone", result="no_answer",
                      outcome="unreachable")
        session.commit()
        assert done.proposal is not None and done.proposal.warning_id == wid
        assert done.proposal.priority == "high"
        county = scope_for_unit(session.get(User, user(session, "commander").id).unit)
        assert wid in [p.warning_id for p in proposals_in(session, county, NOW)]
        # "unreachable" is not final: the door visit records the real outcome
        record(session, "officer", wid, 2, method="door_visit", result="dissuaded",
               outcome="dissuaded_no_loss", loss_avoided=80_000)
        session.commit()
        assert session.get(Warning, wid).outcome == "dissuaded_no_loss"
        assert session.scalar(select(func.sum(OutcomeDay.closed))) == 1
        with pytest.raises(OutcomeInvalid) as closed:
            record(session, "officer", wid, 3)
        assert closed.value.message("en") == (
            "Warning status: the warning is closed as Dissuaded with no loss; "
            "no more attempts can be recorded.")
        session.rollback()


@pytest.mark.parametrize(("fields", "field", "en"), [
    ({"method": ""}, "method", "Method: required."),
    ({"method": "carrier_pigeon"}, "method", "Method: not one of the choices."),
    ({"result": None}, "result", "Result: required."),
    ({"outcome": "victory"}, "outcome", "Outcome: not one of the choices."),
    ({"note": "x" * 2001}, "note", "Note: at most 2000 characters."),
    ({"note": "回电\x00"}, "note", "Note: must not hold control characters (such as NUL)."),
    ({"method": "phone\x00"}, "method", "Method: not one of the choices."),
    ({"note": "她儿子电话 139 1234 5678"}, "note",
     "Note: no phone, ID or account numbers (everyone who may see the warning reads the note)."),
    ({"loss_avoided": "-5", "outcome": "dissuaded_no_loss", "result": "dissuaded"},
     "loss_avoided", "Loss avoided (yuan): a whole number of yuan, 0 or more and under a trillion."),
    ({"loss_avoided": "12.5", "outcome": "dissuaded_no_loss", "result": "dissuaded"},
     "loss_avoided", "Loss avoided (yuan): a whole number of yuan, 0 or more and under a trillion."),
    ({"loss_avoided": "100"}, "outcome", "Outcome: choose an outcome to record a loss or a loss avoided."),
    ({"outcome": "dissuaded_no_loss", "result": "no_answer"}, "result",
     "Result: a dissuaded outcome needs an attempt whose result is dissuaded."),
    ({"outcome": "refused", "result": "dissuaded"}, "result",
     "Result: the person was dissuaded: choose a dissuaded outcome."),
    ({"outcome": "refused", "loss_avoided": 10}, "loss_avoided",
     "Loss avoided (yuan): only when the person was dissuaded."),
    ({"outcome": "defrauded", "result": "already_paid"}, "loss",
     "Loss (yuan): enter the amount lost."),
    ({"outcome": "refused", "loss": 10}, "loss", "Loss (yuan): only when money was lost."),
])
def test_bad_input_names_the_field_and_stores_nothing(engine, world, fields, field, en):
    wid = world["warning"]
    with Session(engine) as session:
        with pytest.raises(OutcomeInvalid) as refused:
            record(session, "officer", wid, **fields)
        assert refused.value.field == field
        assert refused.value.message("en") == en
        assert refused.value.message("zh-CN").startswith(
            {"method": "劝阻方式", "result": "劝阻结果", "outcome": "处置结果", "note": "备注",
             "loss_avoided": "避免损失", "loss": "损失金额"}[field])
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 0
        assert session.get(Warning, wid).version == 1


def test_only_officers_in_scope_may_record(engine, world):
    wid = world["warning"]
    with Session(engine) as session:
        with pytest.raises(PermissionDenied):
            record(session, "commander", wid)
        with pytest.raises(NotFound):
            record(session, "neighbour", wid)
        session.commit()  # the refusals' audit rows
        denied = session.scalars(select(AuditEntry.username).where(
            AuditEntry.action == audit.ACCESS_DENIED).order_by(AuditEntry.id)).all()
        assert denied == ["commander", "neighbour"]
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 0


def test_a_concurrent_edit_is_detected_and_not_overwritten(engine, world):
    wid = world["warning"]
    with Session(engine) as first, Session(engine) as second:
        assert first.get(Warning, wid).version == second.get(Warning, wid).version == 1
        record(first, "officer", wid, 1, method="door_visit", result="dissuaded",
               outcome="dissuaded_no_loss", loss_avoided=80_000)
        first.commit()
        with pytest.raises(WarningChanged) as lost:
            record(second, "officer", wid, 1, outcome="refused")
        assert lost.value.message("en") == (
            "officer name changed this warning at 2026-03-02 09:30; it is shown as it is now. "
            "Check it and record again.")
        second.rollback()
    with Session(engine) as session:
        warning = session.get(Warning, wid)
        assert (warning.outcome, warning.version) == ("dissuaded_no_loss", 2)
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 1


def test_two_officers_racing_on_one_version_one_wins(engine, world):
    wid = world["warning"]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def act(name: str, fields: dict) -> None:
        with Session(engine) as db:
            actor = user(db, "officer")
            version = db.get(Warning, wid).version
            barrier.wait()
            try:
                RecordAttempt(actor, wid, version, **fields).run(db, NOW)
                db.commit()
                outcomes[name] = "won"
            except WarningChanged as lost:
                db.rollback()
                outcomes[name] = lost
            except Exception as failed:  # reported by the assertion below
                db.rollback()
                outcomes[name] = failed

    threads = [threading.Thread(target=act, args=(name, fields)) for name, fields in (
        ("door", {"method": "door_visit", "result": "dissuaded", "outcome": "dissuaded_no_loss"}),
        ("call", {"method": "phone", "result": "no_answer", "outcome": "unreachable"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o == "won" for o in outcomes.values()) == [False, True], outcomes
    [loser] = [o for o in outcomes.values() if o != "won"]
    assert isinstance(loser, WarningChanged), loser
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 1
        assert session.get(Warning, wid).version == 2


@pytest.mark.parametrize("ahead", [timedelta(seconds=1), timedelta(minutes=3)])
def test_an_attempt_is_never_recorded_before_its_warning_was_received(engine, world, ahead):
    """Upstream may date a warning a little ahead of this server's clock; the attempt waits for it."""
    wid = world["warning"]
    with Session(engine) as session:
        session.get(Warning, wid).received_at = NOW + ahead
        session.commit()
        with pytest.raises(OutcomeInvalid) as refused:
            record(session, "officer", wid, outcome="dissuaded_no_loss", result="dissuaded")
        assert refused.value.field == "started_at"
        at = (NOW + ahead).strftime("%Y-%m-%d %H:%M:%S")
        assert refused.value.message("en") == (
            f"Time of the attempt: must not lie before the warning was received ({at}).")
        assert refused.value.message("zh-CN").startswith("劝阻时间")
        session.rollback()
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 0
        assert session.get(Warning, wid).status == "dispatched"
        session.get(Warning, wid).received_at = NOW  # its own moment is fine
        session.commit()
        record(session, "officer", wid)
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 1
