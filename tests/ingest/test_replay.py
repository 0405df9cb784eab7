"""Rejected records: kept, fixed by an admin without seeing personal data, replayed."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import PermissionDenied
from dashboard.commands.rejected import discard, masked_payload, replay
from dashboard.domain import RejectedRecord, Warning
from tests.ingest.conftest import warning


class Admin:
    role, username, is_active, unit_id = "leader", "leader1", True, None


class Press:
    role, username, is_active, unit_id = "press", "press1", True, None


def test_fix_and_replay(api, units):
    bad = warning(3, station_code="99999999")
    api.post_batch("warnings", [bad])
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        shown = masked_payload(record)
        assert shown["person"]["phone"] != bad["person"]["phone"]  # masked for the admin
        assert "*" in shown["person"]["phone"]
        shown["station_code"] = "35020301"
        status, errors = replay(session, Admin(), record.id, shown)
        assert (status, errors) == ("inserted", [])
        assert record.status == "replayed"
    with Session(units) as session:
        stored = session.scalar(select(Warning))
        assert stored.person_phone == bad["person"]["phone"]  # the kept value, not the mask


def test_replay_that_fails_again_stays_open_with_new_errors(api, units):
    api.post_batch("warnings", [warning(4, risk_level="extreme")])
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        shown = masked_payload(record)
        shown["risk_level"] = "still-wrong"
        status, errors = replay(session, Admin(), record.id, shown)
        assert status == "rejected" and errors[0]["field"] == "risk_level"
        assert record.status == "open" and "still-wrong" in json.loads(record.errors)[0]["reason"] + record.payload
        discard(session, Admin(), record.id)
        assert record.status == "discarded"


def test_only_admins_replay(api, units):
    api.post_batch("warnings", [warning(5, risk_level="extreme")])
    with Session(units) as session:
        record = session.scalar(select(RejectedRecord))
        with pytest.raises(PermissionDenied):
            replay(session, Press(), record.id, masked_payload(record))
