"""Every KPI of the metrics layer equals an independent recomputation from the raw rows.

The metrics read only the aggregate tables; ``tests.metrics.raw`` reads only
the raw tables, with pandas.  Counts must match to the unit, amounts to the
yuan, on SQLite and on PostgreSQL, for the city, a county and a station, for
finished and running periods.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.metrics.kpis import KPIS, kpi_frame, kpi_frames
from dashboard.metrics.period import Period
from tests.conftest import SEED_END
from tests.metrics.raw import Raw, kpis

TODAY = SEED_END.date()
PERIODS = {
    "year to date": (date(2026, 1, 1), TODAY + timedelta(days=1)),
    "last year": (date(2025, 1, 1), date(2026, 1, 1)),
    "a finished month": (date(2026, 10, 1), date(2026, 11, 1)),
    "a week across midnight of the end": (TODAY - timedelta(days=6), TODAY + timedelta(days=1)),
    "today": (TODAY, TODAY + timedelta(days=1)),
}


@pytest.fixture(scope="module")
def raw(seeded_engine):
    from sqlalchemy.orm import Session

    with Session(seeded_engine) as session:
        return Raw(session)


def units(session):
    city = session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    county = session.scalar(select(OrgUnit).where(OrgUnit.code == "350206"))
    station = session.scalar(select(OrgUnit).where(OrgUnit.parent_id == county.id).order_by(OrgUnit.code))
    return {"city": city, "county": county, "station": station}


def same(metric, expected) -> bool:
    if expected is None:
        return metric is None or pd.isna(metric)
    return metric == expected


@pytest.mark.parametrize("level", ["city", "county", "station"])
@pytest.mark.parametrize("name", list(PERIODS))
def test_every_kpi_equals_the_raw_rows(seeded_session, raw, level, name):
    unit = units(seeded_session)[level]
    first, end = PERIODS[name]
    period = Period.of_days(first, end - timedelta(days=1))
    row = kpi_frame(seeded_session, scope_for_unit(unit), period, SEED_END).iloc[0]
    expected = kpis(raw, unit.id, first, end, SEED_END)
    assert expected["received"] > 0
    wrong = {k.key: (row[k.key], expected[k.key]) for k in KPIS if not same(row[k.key], expected[k.key])}
    assert wrong == {}


@pytest.mark.parametrize(("level", "by"), [("city", "county"), ("city", "station"), ("county", "station")])
def test_kpis_by_child_unit_equal_the_raw_rows(seeded_session, raw, level, by):
    unit = units(seeded_session)[level]
    first, end = PERIODS["a finished month"]
    frame = kpi_frame(seeded_session, scope_for_unit(unit), Period.of_days(first, end - timedelta(days=1)),
                      SEED_END, by=by)
    children = raw.units[(raw.units["level"] == by) & raw.units["id"].isin(raw.subtree(unit.id))]
    assert sorted(frame["unit_id"]) == sorted(children["id"])
    for _, row in frame.iterrows():
        expected = kpis(raw, row["unit_id"], first, end, SEED_END)
        wrong = {k.key: (row[k.key], expected[k.key]) for k in KPIS if not same(row[k.key], expected[k.key])}
        assert wrong == {}, row["code"]


@pytest.mark.parametrize("key", [k.key for k in KPIS])
def test_one_figure_alone_equals_the_same_figure_among_all(seeded_session, seeded_engine, key):
    """The map's one chosen figure reads only the sums it is made of, and gives the same values."""
    scope = scope_for_unit(units(seeded_session)["city"])
    first, end = PERIODS["a finished month"]
    period = Period.of_days(first, end - timedelta(days=1))
    every = kpi_frame(seeded_session, scope, period, SEED_END, by="county")
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(seeded_engine, "before_cursor_execute", count)
    try:
        alone = kpi_frame(seeded_session, scope, period, SEED_END, by="county", only=(key,))
    finally:
        event.remove(seeded_engine, "before_cursor_execute", count)
    assert list(alone.columns) == ["unit_id", "code", "name_zh", "name_en", "population", "parent_id", key]
    assert [same(a, None if pd.isna(b) else b) for a, b in zip(alone[key], every[key], strict=True)] \
        == [True] * len(every)
    assert len(statements) <= 4  # the units, the dissuaded outcomes, at most two sums


def test_an_empty_scope_sees_nothing(seeded_session):
    from dashboard.auth.scope import NO_SCOPE

    period = Period.of_days(date(2026, 10, 1), date(2026, 10, 31))
    row = kpi_frame(seeded_session, NO_SCOPE, period, SEED_END).iloc[0]
    assert all(row[k.key] == 0 for k in KPIS if k.additive)
    assert row["success_rate"] is None and pd.isna(row["first_contact_median"])


@pytest.mark.parametrize("level", ["city", "station"])
def test_several_periods_read_at_once_equal_each_period_alone(seeded_session, level):
    scope = scope_for_unit(units(seeded_session)[level])
    periods = [Period.of_days(first, end - timedelta(days=1)) for first, end in PERIODS.values()]
    together = kpi_frames(seeded_session, scope, periods, SEED_END, counts=True)
    assert len(together) == len(periods)
    for i, period in enumerate(periods):
        alone = kpi_frame(seeded_session, scope, period, SEED_END, counts=True).iloc[0]
        wrong = {key: (together.iloc[i][key], alone[key]) for key in together.columns
                 if not same(together.iloc[i][key], None if pd.isna(alone[key]) else alone[key])}
        assert wrong == {}, list(PERIODS)[i]


def test_more_finished_periods_send_no_more_statements(seeded_session, seeded_engine):
    """The aggregate tables are read once for all the periods, not once per period."""
    scope = scope_for_unit(units(seeded_session)["county"])
    finished = [Period.of_days(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in (6, 7, 8, 9)]
    statements = []

    def count(*_args):
        statements.append(1)

    kpi_frames(seeded_session, scope, finished[:1], SEED_END)  # the reference lists a session reads once
    event.listen(seeded_engine, "before_cursor_execute", count)
    try:
        kpi_frames(seeded_session, scope, finished[:1], SEED_END)
        one = len(statements)
        kpi_frames(seeded_session, scope, finished, SEED_END)
    finally:
        event.remove(seeded_engine, "before_cursor_execute", count)
    assert len(statements) - one == one
