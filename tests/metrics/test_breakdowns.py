"""Breakdowns, trends and live figures equal the raw rows; comparisons pick the right windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import DissuasionResult
from dashboard.metrics.breakdowns import daily_trend, fraud_types, methods, outcomes
from dashboard.metrics.compare import comparison_windows, kpi_comparison
from dashboard.metrics.kpis import kpi_frame
from dashboard.metrics.live import hourly_today, open_queue, received_recently
from dashboard.metrics.period import Period
from tests.conftest import SEED_END
from tests.metrics.raw import Raw

OCTOBER = Period.of_days(date(2026, 10, 1), date(2026, 10, 31), "month")
S, E = datetime(2026, 10, 1), datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def raw(seeded_engine):
    from sqlalchemy.orm import Session

    with Session(seeded_engine) as session:
        return Raw(session)


@pytest.fixture
def county(seeded_session):
    return seeded_session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))


def in_county(raw, frame, county):
    return frame[frame["station_id"].isin(raw.subtree(county.id))]


def test_fraud_types_and_outcomes(seeded_session, raw, county):
    w = in_county(raw, raw.warnings, county)
    types = fraud_types(seeded_session, scope_for_unit(county), OCTOBER).set_index("code")
    received = w[(w["received_at"] >= S) & (w["received_at"] < E)]
    assert types["received"].to_dict() == {
        code: int((received["fraud_type"] == code).sum()) for code in types.index}
    assert types["amount_at_risk"].sum() == received["amount_at_risk"].sum()
    assert abs(types["share"].sum() - 1) < 1e-9
    mix = outcomes(seeded_session, scope_for_unit(county), OCTOBER).set_index("code")
    closed = w[(w["closed_at"] >= S) & (w["closed_at"] < E) & w["outcome"].notna()]
    assert mix["closed"].to_dict() == {code: int((closed["outcome"] == code).sum()) for code in mix.index}
    assert mix["loss_avoided"].sum() == closed["loss_avoided"].sum()
    assert set(mix.index[mix["dissuaded"]]) == raw.dissuaded


def test_methods(seeded_session, raw, county):
    flags = {r.code: (r.reached, r.dissuaded) for r in seeded_session.scalars(select(DissuasionResult))}
    w = in_county(raw, raw.warnings, county)
    a = raw.attempts[raw.attempts["warning_id"].isin(w["id"])]
    a = a[(a["started_at"] >= S) & (a["started_at"] < E)]
    got = methods(seeded_session, scope_for_unit(county), OCTOBER).set_index("code")
    for code, row in got.iterrows():
        mine = a[a["method"] == code]
        assert row["attempts"] == len(mine)
        assert row["reached"] == sum(flags[r][0] for r in mine["result"])
        assert row["dissuaded"] == sum(flags[r][1] for r in mine["result"])


def test_daily_trend_has_last_years_line(seeded_session, raw, county):
    trend = daily_trend(seeded_session, scope_for_unit(county), OCTOBER)
    w = in_county(raw, raw.warnings, county)
    by_day = w["received_at"].dt.date.value_counts()
    assert len(trend) == 31
    assert trend["value"].tolist() == [int(by_day.get(d, 0)) for d in trend["day"]]
    assert trend["last_year"].tolist() == [int(by_day.get(d.replace(year=2025), 0)) for d in trend["day"]]
    dissuaded = daily_trend(seeded_session, scope_for_unit(county), OCTOBER, "dissuaded")
    closed = w[w["outcome"].isin(raw.dissuaded) & (w["closed_at"] >= S) & (w["closed_at"] < E)]
    assert dissuaded["value"].sum() == len(closed)


def test_a_trend_longer_than_a_year_overlaps_its_last_year_and_counts_each_day_once(seeded_session, raw, county):
    long = Period.of_days(date(2025, 9, 1), date(2026, 10, 31))  # its last year reaches into it
    trend = daily_trend(seeded_session, scope_for_unit(county), long)
    by_day = in_county(raw, raw.warnings, county)["received_at"].dt.date.value_counts()
    assert trend["value"].tolist() == [int(by_day.get(d, 0)) for d in trend["day"]]
    assert sum(trend["value"]) > 0
    assert trend["last_year"].tolist() == [
        None if (d.month, d.day) == (2, 29) else int(by_day.get(d.replace(year=d.year - 1), 0))
        for d in trend["day"]]


def test_live_figures(seeded_session, raw, county):
    scope = scope_for_unit(county)
    w = in_county(raw, raw.warnings, county)
    now = SEED_END.replace(tzinfo=None)
    hourly = hourly_today(seeded_session, scope, SEED_END)
    today = w[w["received_at"].dt.date == now.date()]
    assert hourly["today"].tolist()[: now.hour + 1] == [
        int((today["received_at"].dt.hour == h).sum()) for h in range(now.hour + 1)]
    assert hourly["today"].isna().sum() == 23 - now.hour
    yesterday = w[w["received_at"].dt.date == now.date() - timedelta(days=1)]
    assert hourly["yesterday"].tolist() == [int((yesterday["received_at"].dt.hour == h).sum()) for h in range(24)]
    assert hourly["yesterday"].sum() == len(yesterday) > 0
    last_year = w[w["received_at"].dt.date == now.date().replace(year=now.year - 1)]
    assert hourly["last_year"].tolist() == [int((last_year["received_at"].dt.hour == h).sum()) for h in range(24)]
    recent = received_recently(seeded_session, scope, SEED_END, 60)
    assert recent == int(((w["received_at"] > now - timedelta(minutes=60)) & (w["received_at"] <= now)).sum())
    queue = open_queue(seeded_session, scope, SEED_END)
    still_open = w[w["status"] != "closed"]
    assert queue["open"] == len(still_open) > 0
    assert queue["overdue"] == int((still_open["first_contact_at"].isna()
                                    & (still_open["deadline_at"] < now)).sum())


def test_comparisons_of_a_finished_month(seeded_session, county):
    scope = scope_for_unit(county)
    table = kpi_comparison(seeded_session, scope, OCTOBER, SEED_END).set_index("key")
    september = kpi_frame(seeded_session, scope, Period.of_days(date(2026, 9, 1), date(2026, 9, 30)),
                          SEED_END).iloc[0]
    last_october = kpi_frame(seeded_session, scope, Period.of_days(date(2025, 10, 1), date(2025, 10, 31)),
                             SEED_END).iloc[0]
    received = table.loc["received"]
    assert received["previous"] == september["received"]
    assert received["last_year"] == last_october["received"]
    assert received["change_last_year"] == received["value"] - last_october["received"]
    assert received["pct_last_year"] == pytest.approx((received["value"] - last_october["received"])
                                                      / last_october["received"])
    # the demo grows 30 % a year and fewer warnings would be better news
    assert received["pct_last_year"] > 0.1 and received["verdict_last_year"] == "worse"
    assert table.loc["success_rate", "verdict_previous"] in ("better", "worse", "same")
    assert table.loc["received", "per_10k"] == pytest.approx(received["value"] / county.population * 1e4)
    assert pd.isna(table.loc["success_rate", "per_10k"])


def test_a_running_month_is_compared_on_its_complete_days():
    month = Period.preset("month", SEED_END)
    windows = comparison_windows(month, SEED_END)
    assert (windows.basis.first_day, windows.basis.last_day) == (date(2026, 11, 1), date(2026, 11, 21))
    assert (windows.previous.first_day, windows.previous.last_day) == (date(2026, 10, 1), date(2026, 10, 21))
    assert (windows.last_year.first_day, windows.last_year.last_day) == (date(2025, 11, 1), date(2025, 11, 21))


def test_today_is_compared_by_the_hour(seeded_session, county):
    today = Period.preset("today", SEED_END)
    windows = comparison_windows(today, SEED_END)
    assert windows.hourly and windows.basis.end.hour == 10 and windows.previous.start.day == 21
    table = kpi_comparison(seeded_session, scope_for_unit(county), today, SEED_END).set_index("key")
    assert table.loc["received", "compared"] is not None
    assert table.loc["received", "previous"] is not None
    assert pd.isna(table.loc["closed", "previous"])


@pytest.mark.parametrize(("period", "previous", "last_year"), [
    (Period.of_days(date(2024, 3, 1), date(2024, 3, 31), "month"),
     (date(2024, 2, 1), date(2024, 2, 29)), (date(2023, 3, 1), date(2023, 3, 31))),
    (Period.of_days(date(2024, 2, 29), date(2024, 2, 29), "day"),
     (date(2024, 2, 28), date(2024, 2, 28)), (date(2023, 2, 28), date(2023, 2, 28))),
    (Period.preset("week", datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)),
     (date(2026, 11, 9), date(2026, 11, 15)), (date(2025, 11, 16), date(2025, 11, 22))),
    (Period.of_days(date(2026, 1, 10), date(2026, 1, 19)),
     (date(2025, 12, 31), date(2026, 1, 9)), (date(2025, 1, 10), date(2025, 1, 19))),
])
def test_previous_period_and_last_year(period, previous, last_year):
    assert (period.previous().first_day, period.previous().last_day) == previous
    assert (period.last_year().first_day, period.last_year().last_day) == last_year


@pytest.mark.parametrize(("start", "end"), [
    (datetime(2025, 11, 22, 10, 0), datetime(2026, 11, 22, 10, 0)),      # whole hours at both edges
    (datetime(2026, 11, 3, 7, 41, 12), datetime(2026, 11, 5, 23, 2, 9)),  # minutes at both edges
    (datetime(2026, 11, 4, 7, 41), datetime(2026, 11, 4, 7, 59)),         # inside one hour
])
def test_warnings_by_unit_for_any_period(seeded_session, raw, county, start, end):
    from dashboard.metrics.volume import warnings_by_unit

    period = Period(start.replace(tzinfo=SHANGHAI), end.replace(tzinfo=SHANGHAI))
    got = warnings_by_unit(seeded_session, scope_for_unit(county), period, "station")
    w = in_county(raw, raw.warnings, county)
    w = w[(w["received_at"] >= start) & (w["received_at"] < end)]
    assert got.set_index("unit_id")["warnings"].to_dict() == {
        u: int((w["station_id"] == u).sum()) for u in got["unit_id"]}


def test_not_yet_due_of_several_periods_in_one_reading_equals_each_alone(seeded_session):
    """The period and its compared part both reach into the last hours: counted together as apart."""
    from datetime import timedelta

    from dashboard.auth.scope import scope_for_unit
    from dashboard.domain import OrgUnit
    from dashboard.metrics.period import Period
    from dashboard.metrics.response import not_yet_due, not_yet_due_counts
    from tests.conftest import SEED_END

    now = SEED_END - timedelta(hours=2)
    today = now.date()
    periods = [Period.of_days(today.replace(day=1), today), Period.of_days(today - timedelta(days=1), today),
               Period.of_days(today - timedelta(days=400), today - timedelta(days=380)),
               Period(now - timedelta(hours=3), now - timedelta(hours=1))]
    for unit in seeded_session.scalars(select(OrgUnit).where(OrgUnit.level.in_(("city", "county")))).all()[:3]:
        scope = scope_for_unit(unit)
        alone = [int(not_yet_due(seeded_session, scope, p, now, None)["not_yet_due"].iloc[0]) for p in periods]
        assert not_yet_due_counts(seeded_session, scope, periods, now) == alone
        assert alone[2] == 0 and alone[0] >= alone[1] > 0, alone
