"""Each aggregate's three paths agree: rebuild SQL, per-row upkeep and the pandas bulk build.

Parametrised over every aggregate of the description (``definitions.AGGREGATES``),
so a new aggregate is checked as soon as it is described: the same raw rows
(edges drawn often: contact before receipt, waits across bucket edges and
midnight, unsolved cases, city-level publicity) are summed by the upkeep of
their insertion, by ``rebuild`` and by ``AggregateFrames``; the table and its
county and month twins must be the same, and not empty.  The random write
sequences of ``test_maintain`` and the seeded demo of ``test_rebuild`` check
the same over longer histories.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted, rebuild
from dashboard.aggregates.contributions import WARNING_FIELDS
from dashboard.aggregates.definitions import AGGREGATES, Aggregate, Part, at_station, source_columns
from dashboard.aggregates.expressions import ONE, col, day
from dashboard.aggregates.frames import AggregateFrames
from dashboard.aggregates.sources import CASES, PUBLICITY_EVENTS, STOP_PAYMENTS, WARNINGS
from dashboard.domain import Case, Dissuasion, PublicityEvent, StopPayment, Warning
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, WarningDay
from dashboard.domain.base import SHANGHAI
from tests.factories import (
    attempt,
    build_chain,
    close,
    make_case,
    make_publicity,
    make_stop_payment,
    make_warning,
)

BASE = datetime(2026, 10, 31, 22, 30, tzinfo=SHANGHAI)  # a day's and a month's end
EDGES = [-1, 0, 1, 14, 15, 16, 59, 60, 61, 239, 241, 1439, 1440, 3000]


def _world(session: Session, rng: random.Random) -> None:
    """Raw rows of every kind, stored and added to the aggregates as a batch of inserts is."""
    units = build_chain(session)
    stations = [u for u in units.values() if u.level == "station"]

    def at(base, minutes):
        return base + timedelta(minutes=minutes, seconds=rng.randrange(60))

    rows = []
    for _ in range(40):
        w = make_warning(rng.choice(stations), at(BASE, rng.randint(-200, 200)),
                         fraud_type=rng.choice(["investment", "fake_loan"]), risk=rng.choice(["high", "low"]),
                         amount=rng.choice([0, rng.randint(1, 900_000)]))
        if rng.random() < 0.7:
            w.first_contact_at = at(w.received_at, rng.choice(EDGES))
        for _ in range(rng.randint(0, 3)):
            session.add(attempt(w, rng.choice(["phone", "door_visit"]), at(w.received_at, rng.choice(EDGES)),
                                rng.choice(["no_answer", "dissuaded", "already_paid"])))
        if rng.random() < 0.6:
            close(w, rng.choice(["dissuaded_no_loss", "defrauded"]), at(w.received_at, abs(rng.choice(EDGES))),
                  loss=rng.randint(0, w.amount_at_risk), dissuaded=rng.random() < 0.5)
        rows.append(w)
    for _ in range(15):
        sp = make_stop_payment(rng.choice(stations), at(BASE, rng.randint(-200, 200)), rng.randint(1, 900_000))
        for stage in ("stopped", "frozen", "returned"):
            if rng.random() < 0.6:
                setattr(sp, f"{stage}_at", at(sp.requested_at, abs(rng.choice(EDGES))))
                setattr(sp, f"{stage}_amount", rng.randint(0, 900_000))
        rows.append(sp)
    for _ in range(15):
        c = make_case(rng.choice(stations), at(BASE, rng.randint(-200, 200)), rng.randint(0, 900_000))
        if rng.random() < 0.5:
            c.status, c.solved_at, c.suspects_arrested = "solved", at(c.reported_at, rng.randint(0, 3000)), 2
        rows.append(c)
    for unit in [*units.values(), *rng.sample(stations, 2)]:
        rows.append(make_publicity(unit, date(2026, 10, 31) + timedelta(days=rng.randint(0, 1)),
                                   reach=rng.randint(0, 5000)))
    session.add_all(rows)
    session.flush()
    apply_inserted(session, *rows)


def _naive(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as the demo loader has them: naive Shanghai wall time."""
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            frame[name] = frame[name].dt.tz_convert(SHANGHAI).dt.tz_localize(None)
        elif frame[name].dtype == object and frame[name].map(lambda v: isinstance(v, datetime)).any():
            frame[name] = pd.to_datetime(frame[name].map(
                lambda v: v.astimezone(SHANGHAI).replace(tzinfo=None) if isinstance(v, datetime) else v))
    return frame


def _frames(session: Session) -> dict[type, pd.DataFrame]:
    """The pandas bulk build from the stored raw rows."""
    def read(model, names) -> pd.DataFrame:
        table = model.__table__
        rows = session.execute(select(*(table.c[n] for n in names))).all()
        return _naive(pd.DataFrame([tuple(r) for r in rows], columns=list(names)))

    sums = AggregateFrames.for_reference()
    sums.add_warnings(read(Warning, WARNING_FIELDS),
                      read(Dissuasion, ("warning_id", "method", "started_at", "result")))
    sums.add_stop_payments(read(StopPayment, source_columns(STOP_PAYMENTS)))
    sums.add_cases(read(Case, source_columns(CASES)))
    sums.add_publicity(read(PublicityEvent, source_columns(PUBLICITY_EVENTS)))
    return sums.frames()


def _value(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return "None"
    if isinstance(v, datetime):  # an hour: as stored
        return str(pd.Timestamp(v).tz_convert(SHANGHAI).tz_localize(None) if v.tzinfo else pd.Timestamp(v))
    return str(v)


def _stored(session: Session, model) -> list[tuple]:
    return sorted(tuple(_value(v) for v in row) for row in session.execute(select(*model.__table__.columns)))


def _built(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(_value(v) for v in row) for row in frame.itertuples(index=False, name=None))


def _family(model) -> list[type]:
    """The station table and its county and month twins."""
    out = [model]
    while (twin := COUNTY_TWINS.get(out[-1]) or MONTH_TWINS.get(out[-1])) is not None:
        out.append(twin)
    return out


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.table.name)
def test_upkeep_rebuild_and_frames_agree(session, aggregate):
    _world(session, random.Random(28))
    kept = {m: _stored(session, m) for m in _family(aggregate.model)}
    frames = _frames(session)
    rebuild(session.connection(), [m.__table__.name for m in _family(aggregate.model)])
    for model, rows in kept.items():
        assert rows, f"{model.__table__.name}: the test's rows add nothing to it"
        assert _stored(session, model) == rows, f"{model.__table__.name}: upkeep and rebuild differ"
        assert _built(frames[model]) == rows, f"{model.__table__.name}: frames and rebuild differ"
    session.rollback()


def test_a_description_must_name_its_tables_columns():
    from dashboard.aggregates.definitions import _check

    _check(AGGREGATES[0])
    short = Aggregate(WarningDay, (Part(WARNINGS, at_station(day(col("received_at"))), {"received": ONE}),))
    with pytest.raises(AssertionError, match="agg_warnings_day: described measures"):
        _check(short)
