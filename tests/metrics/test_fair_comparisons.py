"""Fair comparisons (docs/metrics.md): only meaningful windows, like for like, matured cohorts only."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.compare import comparison_windows, kpi_comparison, mature
from dashboard.metrics.period import Period
from tests.conftest import SEED_END

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)


def days(period: Period | None) -> tuple[date, date] | None:
    return None if period is None else (period.first_day, period.last_day)


@pytest.mark.parametrize(("now", "last_day"), [(NOW, date(2025, 11, 21)),
                                               (datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), date(2025, 2, 28))])
def test_a_year_is_compared_year_on_year_only(now, last_day):
    year = Period.preset("year", now)
    windows = comparison_windows(year, now)
    assert windows.previous is None and windows.names == ("last_year",)
    assert days(windows.last_year) == (date(2025, 1, 1), last_day)
    done = Period.of_days(date(2025, 1, 1), date(2025, 12, 31), "year")
    assert comparison_windows(done, now).names == ("last_year",)


def test_a_custom_range_from_new_year_to_date_has_no_separate_previous_period():
    ytd = Period.of_days(date(2026, 1, 1), date(2026, 3, 10))
    windows = comparison_windows(ytd, NOW)
    assert windows.previous is None and days(windows.last_year) == (date(2025, 1, 1), date(2025, 3, 10))


@pytest.mark.parametrize("preset", ["today", "week", "month"])
def test_shorter_periods_keep_both_comparisons(preset):
    windows = comparison_windows(Period.preset(preset, NOW), NOW)
    assert windows.names == ("last_year", "previous") and windows.previous != windows.last_year


def test_a_running_month_is_compared_to_the_same_day():
    windows = comparison_windows(Period.preset("month", NOW), NOW)
    assert days(windows.basis) == (date(2026, 11, 1), date(2026, 11, 21))
    assert days(windows.previous) == (date(2026, 10, 1), date(2026, 10, 21))
    assert days(windows.last_year) == (date(2025, 11, 1), date(2025, 11, 21))


@pytest.mark.parametrize(("first", "last", "previous"), [
    (date(2026, 11, 1), date(2026, 11, 21), (date(2026, 10, 1), date(2026, 10, 21))),  # a month to date
    (date(2026, 3, 1), date(2026, 3, 30), (date(2026, 2, 1), date(2026, 2, 28))),      # clamped to February
    (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 10, 1), date(2026, 10, 31))),  # the whole month
    (date(2026, 11, 5), date(2026, 11, 21), (date(2026, 10, 19), date(2026, 11, 4))),  # any other range
])
def test_the_previous_period_of_a_custom_range(first, last, previous):
    assert days(Period.of_days(first, last).previous()) == previous


def test_a_cohort_matures_when_its_youngest_day_is_old_enough():
    basis = Period.of_days(date(2026, 8, 1), date(2026, 8, 24))
    assert mature(90, basis, NOW)  # 24 August is 90 days before 22 November
    assert not mature(91, basis, NOW)
    assert mature(0, Period.preset("month", NOW), NOW) and mature(90, None, NOW)


def test_the_overview_of_this_year_shows_one_comparison_on_the_seeded_city(seeded_session):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    frame = kpi_comparison(seeded_session, scope_for_unit(city), Period.preset("year", SEED_END), SEED_END)
    assert frame.attrs["windows"].names == ("last_year",)
    assert frame["verdict_previous"].isna().all() and frame["change_previous"].isna().all()
    received = frame.set_index("key").loc["received"]
    assert received["verdict_last_year"] in ("better", "worse", "same")
    assert received["last_year"] > 0 and received["compared"] > 0


def test_the_overview_marks_a_young_solving_rate_not_yet_comparable_on_the_seeded_city(seeded_session):
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    scope = scope_for_unit(city)
    month = kpi_comparison(seeded_session, scope, Period.preset("month", SEED_END), SEED_END).set_index("key")
    rate = month.loc["solving_rate"]
    assert rate["value"] is not None and rate["last_year"] is not None
    assert rate["verdict_last_year"] == rate["verdict_previous"] == "immature"
    assert month.loc["cases_reported", "verdict_last_year"] in ("better", "worse", "same")
    old = Period.of_days(date(2026, 7, 1), date(2026, 7, 31))
    matured = kpi_comparison(seeded_session, scope, old, SEED_END).set_index("key").loc["solving_rate"]
    assert matured["verdict_last_year"] in ("better", "worse", "same")
    assert matured["change_last_year"] == pytest.approx(matured["compared"] - matured["last_year"])
