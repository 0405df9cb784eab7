"""Whole months read from the month twin give the same figures as every day from the day table."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.aggregates import OutcomeDay
from dashboard.metrics import sums as sums_module
from dashboard.metrics.breakdowns import fraud_types, methods, outcomes
from dashboard.metrics.kpis import kpi_frames
from dashboard.metrics.period import Period
from dashboard.metrics.response import response_times
from dashboard.metrics.sums import month_parts, running_parts, sums
from tests.conftest import SEED_END

TODAY = SEED_END.date()
MONTH_TABLE = "_county_month"


def test_month_parts_split_whole_months_from_the_days_at_the_ends():
    assert month_parts(date(2026, 1, 15), date(2026, 4, 10)) == [
        (False, date(2026, 1, 15), date(2026, 2, 1)),
        (True, date(2026, 2, 1), date(2026, 4, 1)),
        (False, date(2026, 4, 1), date(2026, 4, 10)),
    ]
    assert month_parts(date(2026, 3, 1), date(2026, 3, 31)) == [(False, date(2026, 3, 1), date(2026, 3, 31))]
    assert month_parts(date(2025, 12, 1), date(2026, 2, 1)) == [(True, date(2025, 12, 1), date(2026, 2, 1))]


def test_a_segment_cut_inside_a_month_reads_that_month_by_day():
    cut = [date(2026, 3, 10), date(2026, 4, 1)]  # the first cuts March; the second is a month's first day
    assert month_parts(date(2026, 2, 1), date(2026, 5, 1), cut) == [
        (True, date(2026, 2, 1), date(2026, 3, 1)),
        (False, date(2026, 3, 1), date(2026, 4, 1)),
        (True, date(2026, 4, 1), date(2026, 5, 1)),
    ]


PERIODS = [
    Period.of_days(date(TODAY.year, 1, 1), TODAY),                       # the year to date
    Period.of_days(date(TODAY.year - 1, 1, 1), date(TODAY.year - 1, 12, 31)),  # last year, whole months
    Period.of_days(date(TODAY.year - 1, 11, 17), TODAY - timedelta(days=40)),  # days, months, days
]


@pytest.fixture
def days_only(monkeypatch):
    """Reading as before the month twins: every day from the day tables."""
    def read(function, *args, **kwargs):
        with monkeypatch.context() as patch:
            patch.setattr(sums_module, "MONTH_TABLES", {})
            return function(*args, **kwargs)
    return read


@pytest.fixture
def month_reads(seeded_engine):
    """The statements that read the month twin, while the test runs."""
    seen = []

    def look(_conn, _cursor, statement, *_args):
        if MONTH_TABLE in statement:
            seen.append(statement)

    event.listen(seeded_engine, "before_cursor_execute", look)
    yield seen
    event.remove(seeded_engine, "before_cursor_execute", look)


@pytest.mark.parametrize("level", ["city", "county"])
def test_kpis_of_many_months_equal_the_days_summed(seeded_session, days_only, month_reads, level):
    unit = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == level).order_by(OrgUnit.code))
    scope = scope_for_unit(unit)
    together = kpi_frames(seeded_session, scope, PERIODS, SEED_END, counts=True)
    assert month_reads and (together["first_contact_warnings"] > 0).all()
    pd.testing.assert_frame_equal(together, days_only(kpi_frames, seeded_session, scope, PERIODS, SEED_END,
                                                      counts=True))


@pytest.mark.parametrize("period", PERIODS, ids=["year to date", "last year", "days months days"])
def test_response_times_by_county_equal_the_days_summed(seeded_session, days_only, month_reads, period):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    def ordered(frame):  # grouped rows come in the database's order
        return frame.sort_values(["unit_id", "measure"]).reset_index(drop=True)

    months = response_times(seeded_session, scope, period, "county")
    assert month_reads and months["warnings"].sum() > 0
    pd.testing.assert_frame_equal(ordered(months),
                                  ordered(days_only(response_times, seeded_session, scope, period, "county")))


@pytest.mark.parametrize("breakdown", [fraud_types, outcomes, methods])
def test_breakdowns_of_a_year_equal_the_days_summed(seeded_session, days_only, month_reads, breakdown):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    months = breakdown(seeded_session, scope, PERIODS[0])
    assert month_reads and months.iloc[:, 3].sum() > 0
    pd.testing.assert_frame_equal(months, days_only(breakdown, seeded_session, scope, PERIODS[0]))


def test_a_running_total_takes_the_months_before_the_first_cut_in_one_run():
    assert running_parts(date(2026, 12, 5)) == [
        (True, date.min, date(2026, 12, 1)), (False, date(2026, 12, 1), date(2026, 12, 5))]
    assert running_parts(date(2026, 12, 1)) == [(True, date.min, date(2026, 12, 1))]
    assert running_parts(date(2026, 12, 5), [date(2025, 11, 1), date(2025, 12, 5)]) == [
        (True, date.min, date(2025, 12, 1)), (False, date(2025, 12, 1), date(2026, 1, 1)),
        (True, date(2026, 1, 1), date(2026, 12, 1)), (False, date(2026, 12, 1), date(2026, 12, 5))]


RUNNING = [Period.of_days(TODAY - timedelta(days=6), TODAY),
           Period.of_days(date(TODAY.year, 1, 1), date(TODAY.year, 1, 31)),
           Period.of_days(date(TODAY.year - 1, 11, 17), date(TODAY.year - 1, 12, 3))]


@pytest.mark.parametrize("by", [None, "county"])
@pytest.mark.parametrize("period", RUNNING, ids=["last 7 days", "a whole month", "across a month"])
def test_running_totals_equal_every_day_before_summed(seeded_session, days_only, month_reads, period, by):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    def closed_before(read):
        frame = read(sums, seeded_session, OutcomeDay, {"closed_before": "closed"}, scope, None, by,
                     before=period)
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    months = closed_before(lambda function, *args, **kwargs: function(*args, **kwargs))
    assert month_reads and months["closed_before"].sum() > 0
    pd.testing.assert_frame_equal(months, closed_before(days_only))
