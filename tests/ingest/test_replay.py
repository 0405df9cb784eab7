"""Rejected records: kept for their unit, fixed by its leaders and commanders without seeing
personal data, replayed; out of scope they do not exist."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound
from dashboard.auth.scope import scope_of
from dashboard.commands.rejected import (
    RejectedRecordError,
    discard,
    open_records,
    replay,
    shown_payload,
)
from dashboard.domain import AuditEntry, OrgUnit, RejectedRecord, Warning
from tests.ingest.conftest import user, warning


def _record(engine, external_id: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(RejectedRecord.id).where(RejectedRecord.external_id == external_id))


def test_fix_and_replay(api, staff):
    bad = warning(3, station_code="99999999")
    api.post_batch("warnings", [bad])
    with Session(staff) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        shown = shown_payload(record)
        assert shown["person"]["phone"] != bad["person"]["phone"]  # masked for everyone
        assert "*" in shown["person"]["phone"]
        shown["station_code"] = "35020301"
        status, errors = replay(session, user(session, "leader"), record.id, shown)
        assert (status, errors) == ("inserted", [])
        assert record.status == "replayed"
    with Session(staff) as session:
        stored = session.scalar(select(Warning))
        assert stored.person_phone == bad["person"]["phone"]  # the kept value, not the mask
        assert stored.person_name == bad["person"]["name"]


def test_replay_that_fails_again_stays_open_with_new_errors(api, staff):
    api.post_batch("warnings", [warning(4, risk_level="extreme")])
    with Session(staff) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        shown = shown_payload(record)
        shown["risk_level"] = "still-wrong"
        status, errors = replay(session, user(session, "commander"), record.id, shown)
        assert status == "rejected" and errors[0]["field"] == "risk_level"
        assert "still-wrong" not in json.dumps(errors)  # the reason never repeats the value
        assert record.status == "open" and "still-wrong" in record.payload
        discard(session, user(session, "commander"), record.id)
        assert record.status == "discarded"


@pytest.mark.parametrize("role", ["officer", "press", "admin", "auditor"])
def test_only_leaders_and_commanders_fix_records(api, staff, role):
    api.post_batch("warnings", [warning(5, risk_level="extreme")])
    with Session(staff) as session:
        record = session.scalar(select(RejectedRecord))
        with pytest.raises(PermissionDenied):
            replay(session, user(session, role), record.id, shown_payload(record))
        with pytest.raises(PermissionDenied):
            discard(session, user(session, role), record.id)


def test_each_sees_the_records_of_their_units_and_the_city_those_of_none(api, staff):
    api.post_batch("warnings", [
        warning(6, risk_level="extreme"),                                   # station 35020301 (Siming)
        warning(7, risk_level="extreme", station_code="35020601"),          # Huli
        warning(8, station_code="99999999", county_code="350206"),          # Huli, by its county
        warning(9, station_code="99999999"),                                # no unit at all
        {"source": "upstream", "external_id": "W-10", "person": "13812345678"},  # nothing usable
    ])
    with Session(staff) as session:
        seen = {name: {r.external_id for r in open_records(session, scope_of(session, user(session, name)))}
                for name in ("leader", "commander", "commander2", "officer")}
        units = {r.external_id: r.unit_id for r in session.scalars(select(RejectedRecord))}
        huli = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "350206"))
    assert seen["leader"] == {"W-6", "W-7", "W-8", "W-9", "W-10"}
    assert seen["commander"] == {"W-6"}
    assert seen["commander2"] == {"W-7", "W-8"}
    assert seen["officer"] == {"W-6"}  # in scope, but the page and commands need the permission
    assert units["W-8"] == huli and units["W-9"] is None


def test_a_record_out_of_scope_does_not_exist_for_its_commands(api, staff):
    api.post_batch("warnings", [warning(11, risk_level="extreme", station_code="35020601"),
                                warning(12, station_code="99999999")])
    huli, nowhere = _record(staff, "W-11"), _record(staff, "W-12")
    with Session(staff) as session:
        commander = user(session, "commander")
        for record_id in (huli, nowhere, 10**6, "13812345678"):
            with pytest.raises(NotFound):
                replay(session, commander, record_id, {})
            with pytest.raises(NotFound):
                discard(session, commander, record_id)
        session.commit()
        refused = session.scalars(select(AuditEntry.object).where(
            AuditEntry.action == audit.ACCESS_DENIED, AuditEntry.username == "commander")).all()
    assert f"rejected:{huli}" in refused and "rejected:invalid" in refused


def test_a_replay_cannot_move_a_record_out_of_the_users_units(api, staff):
    api.post_batch("warnings", [warning(13, risk_level="extreme")])
    record_id = _record(staff, "W-13")
    with Session(staff) as session:
        shown = shown_payload(session.get(RejectedRecord, record_id))
        shown.update(risk_level="high", station_code="35020601")  # Huli: another county
        with pytest.raises(RejectedRecordError) as refused:
            replay(session, user(session, "commander"), record_id, shown)
        assert refused.value.field == "station_code"
        del shown["station_code"]  # and not to no unit at all (then only the city's)
        with pytest.raises(RejectedRecordError):
            replay(session, user(session, "commander"), record_id, shown)
        session.rollback()
        assert session.scalar(select(Warning.id)) is None
