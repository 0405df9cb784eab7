"""A warning's clock: the steps the model stores, the gaps between them, the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.domain import Case
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.warning_timeline import deadline_state, warning_timeline
from tests.factories import attempt, build_chain, close, make_stop_payment, make_warning

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_race_from_receipt_to_case(engine):
    with Session(engine) as session:
        units = build_chain(session)
        station = units["99000101"]
        w = make_warning(station, T0, risk="high", amount=200_000)  # deadline at +15
        w.dispatched_county_at = at(2)  # the station's dispatch time was never sent
        w.first_contact_at = at(21)
        w.person_name = "王五"
        session.add(w)
        call = attempt(w, "phone", at(21), "hung_up")
        call.note = "对方说已转给 6222-0212-3456-7891-234，挂断"  # free text from the feed
        session.add_all([attempt(w, "sms", at(1), "delivered"), call,
                         attempt(w, "door_visit", at(50), "already_paid")])
        close(w, "defrauded", at(60), loss=150_000, dissuaded=False)
        session.flush()
        stop = make_stop_payment(station, at(75), 150_000)
        stop.warning_id, stop.account = w.id, "6222021234567891234"
        stop.stopped_at, stop.stopped_amount = at(80), 120_000
        session.add(stop)
        session.add(Case(number="A2026030200001", reported_at=at(240), fraud_type="investment",
                         county_id=station.parent_id, station_id=station.id, warning_id=w.id,
                         loss=150_000, status="filed"))
        session.flush()
        timeline = warning_timeline(session, w, at(300))
        steps = timeline.steps.to_dict("records")
        # in the order things happened: the SMS went out before the dispatch to the county
        assert [s["step"] for s in steps] == [
            "received", "attempt", "dispatched_county", "dispatched_station", "first_contact",
            "attempt", "attempt", "outcome", "stop_requested", "stop_stopped", "case_reported"]
        station_step = steps[3]
        assert station_step["at"] is None and station_step["recorded"] is False
        assert [s["minutes_since_previous"] for s in steps] == [
            None, 1, 1, None, 19, 0, 29, 10, 15, 5, 160]
        assert steps[-1]["minutes_since_received"] == 240
        attempts = [s for s in steps if s["step"] == "attempt"]
        assert [(s["method"], s["result"], s["officer"]) for s in attempts] == [
            ("sms", "delivered", "T-01"), ("phone", "hung_up", "T-01"),
            ("door_visit", "already_paid", "T-01")]
        assert (steps[7]["outcome"], steps[7]["loss"]) == ("defrauded", 150_000)
        assert steps[8]["account"] == "6222 **** **** 1234"  # masked, never in clear
        assert attempts[1]["note"] == "对方说已转给 ****-****-****-****-***，挂断"  # digits masked
        assert "6222021234567891234" not in timeline.steps.to_json(force_ascii=False,
                                                                   date_format="iso")
        assert steps[10]["case_number"] == "A2026030200001"
        deadline = timeline.deadline
        assert (deadline.at, deadline.state, deadline.minutes) == (at(15), "missed", 6)
        session.rollback()


def test_a_new_warning_has_no_dispatch_steps_yet(engine):
    with Session(engine) as session:
        units = build_chain(session)
        w = make_warning(units["99000101"], T0, risk="medium")
        w.status = "new"
        session.add(w)
        session.flush()
        steps = warning_timeline(session, w, at(5)).steps
        assert list(steps["step"]) == ["received"]
        session.rollback()


@pytest.mark.parametrize(("contact", "now", "state", "minutes"), [
    (at(10), at(100), "met", -5),     # reached 5 minutes before the deadline
    (at(15), at(100), "met", 0),      # at the deadline is on time
    (None, at(12), "running", 3),     # 3 minutes left
    (None, at(40), "missed", 25),     # 25 minutes past it, nobody reached yet
])
def test_the_deadline_met_missed_or_running(engine, contact, now, state, minutes):
    with Session(engine) as session:
        units = build_chain(session)
        w = make_warning(units["99000101"], T0, risk="high")
        w.first_contact_at = contact
        deadline = deadline_state(w, now)
        assert (deadline.state, deadline.minutes) == (state, minutes)
        session.rollback()
