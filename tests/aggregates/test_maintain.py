"""The aggregates kept by ``maintained`` / ``apply_*`` equal a rebuild from the raw rows.

Hypothesis writes random sequences of inserts, updates and deletes of
warnings (with attempts, contacts, closings, re-routing, corrected times),
stop-payments, cases and publicity events, around midnight so that rows move
between days; after each sequence every aggregate table must equal what
``rebuild`` computes from the raw rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import (
    apply_inserted,
    apply_warning_changed,
    maintained,
    rebuild,
    snapshot,
)
from dashboard.domain import AGGREGATE_MODELS, Dissuasion
from dashboard.domain.aggregates import RESPONSE_BUCKETS, ResponseDay, WarningDay, response_bucket
from tests.factories import (
    attempt,
    build_chain,
    close,
    make_case,
    make_publicity,
    make_stop_payment,
    make_warning,
)

BASE = datetime(2026, 3, 1, 22, 30)  # near midnight: events fall on either side
METHODS = ["sms", "ai_call", "phone", "video", "relative", "door_visit", "door_visit", "door_visit"]
RESULTS = ["delivered", "no_answer", "hung_up", "not_convinced", "already_paid", "dissuaded"]
OUTCOMES = ["dissuaded_no_loss", "dissuaded_partial_loss", "refused", "unreachable", "defrauded"]
FRAUD_TYPES = ["investment", "brushing_rebate", "fake_loan"]
KINDS = ["lecture", "online_push"]

# offsets in minutes, with the edges (deadlines, bucket edges, midnight) drawn often
minutes = st.one_of(st.sampled_from([-1, 0, 1, 14, 15, 16, 59, 60, 61, 90, 239, 240, 241, 1439, 1440]),
                    st.integers(min_value=-90, max_value=3 * 1440))


def aggregate_rows(session: Session) -> dict[str, list[tuple]]:
    out = {}
    for model in AGGREGATE_MODELS:
        rows = session.execute(select(*model.__table__.columns)).all()
        out[model.__table__.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def _at(base: datetime, offset: int) -> datetime:
    return base + timedelta(minutes=offset)


class World:
    """The raw rows a test sequence has written so far, and the writes it can make."""

    def __init__(self, session: Session, data) -> None:
        self.session, self.data = session, data
        units = build_chain(session)
        self.units = list(units.values())
        self.stations = [u for u in self.units if u.level == "station"]
        self.warnings, self.payments, self.cases, self.events = [], [], [], []

    def draw(self, strategy):
        return self.data.draw(strategy)

    def pick(self, rows):
        return rows[self.draw(st.integers(0, len(rows) - 1))]

    def new_warning(self) -> None:
        w = make_warning(self.pick(self.stations), _at(BASE, self.draw(minutes)),
                         fraud_type=self.draw(st.sampled_from(FRAUD_TYPES)),
                         risk=self.draw(st.sampled_from(["high", "medium", "low"])),
                         amount=self.draw(st.integers(0, 500_000)))
        if self.draw(st.booleans()):
            with maintained(self.session):
                self.session.add(w)
        else:  # the batch path: stored first, then added to the aggregates
            self.session.add(w)
            self.session.flush()
            apply_inserted(self.session, w)
        self.warnings.append(w)

    def add_attempt(self, w) -> None:
        with maintained(self.session, w):
            self.session.add(attempt(w, self.draw(st.sampled_from(METHODS)),
                                     _at(w.received_at, self.draw(minutes)),
                                     self.draw(st.sampled_from(RESULTS))))

    def contact(self, w) -> None:
        with maintained(self.session, w):
            w.first_contact_at = self.draw(st.none() | minutes.map(lambda m: _at(w.received_at, m)))

    def close_or_reopen(self, w) -> None:
        before = snapshot(self.session, w)
        if self.draw(st.booleans()):
            close(w, self.draw(st.sampled_from(OUTCOMES)), _at(w.received_at, self.draw(minutes)),
                  loss=self.draw(st.integers(0, w.amount_at_risk)), dissuaded=self.draw(st.booleans()))
        else:
            w.status, w.outcome, w.closed_at, w.loss, w.loss_avoided = "in_progress", None, None, 0, 0
        apply_warning_changed(self.session, before, w)

    def reroute(self, w) -> None:
        station = self.pick(self.stations)
        with maintained(self.session, w):
            w.county_id, w.station_id = station.parent_id, station.id

    def correct_time(self, w) -> None:
        shift = timedelta(minutes=self.draw(st.integers(-1500, 1500)))
        with maintained(self.session, w):
            w.received_at, w.deadline_at = w.received_at + shift, w.deadline_at + shift
            w.fraud_type = self.draw(st.sampled_from(FRAUD_TYPES))

    def delete_warning(self, w) -> None:
        with maintained(self.session, w):
            for d in self.session.scalars(select(Dissuasion).where(Dissuasion.warning_id == w.id)):
                self.session.delete(d)
            self.session.delete(w)
        self.warnings.remove(w)

    def new_payment(self) -> None:
        sp = make_stop_payment(self.pick(self.stations), _at(BASE, self.draw(minutes)),
                               self.draw(st.integers(1, 900_000)))
        with maintained(self.session):
            self.session.add(sp)
        self.payments.append(sp)

    def payment_stage(self, sp) -> None:
        stage = self.draw(st.sampled_from(["stopped", "frozen", "returned"]))
        at = self.draw(st.none() | minutes.map(lambda m: _at(sp.requested_at, abs(m))))
        with maintained(self.session, sp):
            setattr(sp, f"{stage}_at", at)
            setattr(sp, f"{stage}_amount", 0 if at is None else self.draw(st.integers(0, 900_000)))

    def new_case(self) -> None:
        c = make_case(self.pick(self.stations), _at(BASE, self.draw(minutes)),
                      self.draw(st.integers(0, 900_000)))
        with maintained(self.session):
            self.session.add(c)
        self.cases.append(c)

    def solve_or_unsolve(self, c) -> None:
        with maintained(self.session, c):
            if self.draw(st.booleans()):
                c.status, c.solved_at = "solved", _at(c.reported_at, abs(self.draw(minutes)))
                c.suspects_arrested = self.draw(st.integers(0, 6))
            else:
                c.status, c.solved_at, c.suspects_arrested = "filed", None, 0

    def new_event(self) -> None:
        e = make_publicity(self.pick(self.units), (BASE + timedelta(days=self.draw(st.integers(0, 2)))).date(),
                           kind=self.draw(st.sampled_from(KINDS)), reach=self.draw(st.integers(0, 5000)))
        with maintained(self.session):
            self.session.add(e)
        self.events.append(e)

    def delete_event(self, e) -> None:
        with maintained(self.session, e):
            self.session.delete(e)
        self.events.remove(e)

    def step(self) -> None:
        moves = [(self.new_warning, None), (self.new_payment, None), (self.new_case, None),
                 (self.new_event, None)]
        if self.warnings:
            moves += [(f, self.warnings) for f in (
                self.add_attempt, self.add_attempt, self.contact, self.close_or_reopen, self.reroute,
                self.correct_time, self.delete_warning)]
        if self.payments:
            moves.append((self.payment_stage, self.payments))
        if self.cases:
            moves.append((self.solve_or_unsolve, self.cases))
        if self.events:
            moves.append((self.delete_event, self.events))
        move, rows = self.pick(moves)
        note(f"write: {move.__name__}")
        if rows is None:
            move()
        else:
            move(self.pick(rows))


# Shrinking replays whole database sequences and takes minutes; a failure prints its writes.
@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_aggregates_equal_a_rebuild_after_any_writes(engine, data):
    with Session(engine) as session:
        world = World(session, data)
        for _ in range(data.draw(st.integers(5, 40), label="writes")):
            world.step()
        session.flush()
        maintained_rows = aggregate_rows(session)
        rebuild(session.connection())
        assert maintained_rows == aggregate_rows(session)
        session.rollback()


def test_a_new_attempt_needs_its_warning_tracked(session):
    import pytest

    units = build_chain(session)
    w = make_warning(units["99000101"], BASE)
    session.add(w)
    session.flush()
    apply_inserted(session, w)
    with pytest.raises(ValueError, match="must be passed"):
        with maintained(session):
            session.add(attempt(w, "phone", BASE, "dissuaded"))
    session.rollback()


def test_edges_of_the_definitions(session):
    """On time means at or before the deadline; the earliest door visit counts; waits are clamped."""
    units = build_chain(session)
    station = units["99000101"]
    on_time = make_warning(station, BASE, risk="high")  # deadline 15 minutes after receipt
    late = make_warning(station, BASE, risk="high")
    session.add_all([on_time, late])
    session.flush()
    apply_inserted(session, on_time, late)
    with maintained(session, on_time, late):
        on_time.first_contact_at = on_time.deadline_at
        late.first_contact_at = late.deadline_at + timedelta(seconds=1)
        session.add(attempt(on_time, "door_visit", BASE + timedelta(minutes=70), "no_answer"))
        session.add(attempt(on_time, "door_visit", BASE + timedelta(minutes=200), "dissuaded"))
        session.add(attempt(late, "door_visit", BASE - timedelta(minutes=5), "no_answer"))
    day = session.scalars(select(WarningDay)).one()
    assert (day.received, day.contacted, day.contacted_on_time) == (2, 2, 1)
    doors = session.execute(select(ResponseDay.__table__).where(
        ResponseDay.__table__.c.measure == "door_visit")).one()._mapping
    assert doors["m70"] == 1 and doors["m0"] == 1 and sum(doors[f"m{b}"] for b in RESPONSE_BUCKETS) == 2
    before = aggregate_rows(session)
    rebuild(session.connection())
    assert aggregate_rows(session) == before
    session.rollback()


def test_buckets_are_whole_minutes_then_wider():
    assert [response_bucket(s) for s in (-5, 0, 59, 60, 3599, 3600, 3899, 3900, 10799, 10800,
                                         21599, 21600, 86399, 86400, 10**7)] == [
        0, 0, 0, 1, 59, 60, 60, 65, 175, 180, 345, 360, 1380, 1440, 1440]
    assert [response_bucket(b * 60) for b in RESPONSE_BUCKETS] == list(RESPONSE_BUCKETS)
