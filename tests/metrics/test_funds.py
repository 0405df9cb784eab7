"""The funds page's figures against hand-computed values on five stop-payments.

City 990000: county 990001 (stations s1, s2), county 990002 (station s3).

| sp | station | reported       | requested   | reported paid | stopped (min after report) | frozen      | returned        |
|----|---------|----------------|-------------|---------------|----------------------------|-------------|-----------------|
| A  | s1      | 2026-11-03 09:00 | 09:05     | 100,000       | 09:20 (20) 80,000          | 12:00 75,000 | 11-20 50,000   |
| B  | s1      | 2026-11-10 14:00 | 14:10     | 40,000        | 15:30 (90) 40,000          | 18:00 40,000 | —              |
| C  | s2      | 2026-11-15 08:00 | 08:02     | 20,000        | —                          | —           | —               |
| D  | s3      | 2026-10-31 23:50 | 23:55     | 60,000        | 11-01 00:05 (15) 30,000    | 02:00 30,000 | 11-21 25,000   |
| E  | s3      | 2025-11-05 10:00 | 10:05     | 50,000        | 10:15 (15) 50,000          | —           | —               |
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted, rebuild
from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit, StopPayment, Warning
from dashboard.domain.aggregates import response_bucket
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.compare import comparison_windows
from dashboard.metrics.figures import compare_figures
from dashboard.metrics.funds import (
    FIGURES,
    at_risk_by_fraud_type,
    funds_by_unit,
    funds_figures,
    funds_over_time,
    largest_stop_payments,
    money_clock,
)
from dashboard.metrics.period import Period
from tests.conftest import SEED_END
from tests.factories import build_chain, make_warning

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
NOVEMBER = Period.preset("month", NOW)


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def stop_payment(station, account, reported, requested, amount, stopped=None, stopped_amount=0,
                 frozen=None, frozen_amount=0, returned=None, returned_amount=0) -> StopPayment:
    return StopPayment(county_id=station.parent_id, station_id=station.id, account=account, bank="测试银行",
                       reported_at=reported, requested_at=requested, requested_amount=amount,
                       stopped_at=stopped, stopped_amount=stopped_amount, frozen_at=frozen,
                       frozen_amount=frozen_amount, returned_at=returned, returned_amount=returned_amount)


@pytest.fixture
def funds(engine):
    with Session(engine) as session:
        u = build_chain(session)
        s1, s2, s3 = u["99000101"], u["99000102"], u["99000201"]
        session.add_all([
            stop_payment(s1, "6222020000000000011", at(2026, 11, 3, 9), at(2026, 11, 3, 9, 5), 100_000,
                         at(2026, 11, 3, 9, 20), 80_000, at(2026, 11, 3, 12), 75_000,
                         at(2026, 11, 20, 10), 50_000),
            stop_payment(s1, "6222020000000000022", at(2026, 11, 10, 14), at(2026, 11, 10, 14, 10), 40_000,
                         at(2026, 11, 10, 15, 30), 40_000, at(2026, 11, 10, 18), 40_000),
            stop_payment(s2, "6222020000000000033", at(2026, 11, 15, 8), at(2026, 11, 15, 8, 2), 20_000),
            stop_payment(s3, "6222020000000000044", at(2026, 10, 31, 23, 50), at(2026, 10, 31, 23, 55),
                         60_000, at(2026, 11, 1, 0, 5), 30_000, at(2026, 11, 1, 2), 30_000,
                         at(2026, 11, 21, 9), 25_000),
            stop_payment(s3, "6222020000000000055", at(2025, 11, 5, 10), at(2025, 11, 5, 10, 5), 50_000,
                         at(2025, 11, 5, 10, 15), 50_000),
        ])
        session.flush()
        rebuild(session.connection())
        session.commit()
        yield session, u


def test_figures_of_the_city_in_november(funds):
    session, u = funds
    figures = funds_figures(session, scope_for_unit(u["city"]), [NOVEMBER])[0]
    assert figures == {
        "accounts_stopped": 3,               # A, B, D stopped in November
        "amount_stopped": 150_000,           # 80,000 + 40,000 + 30,000
        "amount_frozen": 145_000,            # 75,000 + 40,000 + 30,000
        "amount_returned": 75_000,           # 50,000 (A) + 25,000 (D)
        "funds_reported_loss": 160_000,      # requested in November: A, B, C
        "funds_stopped_share": 0.75,         # (80,000 + 40,000) / 160,000
        "funds_returned_share": 0.3125,      # 50,000 / 160,000
        "funds_stop_minutes_median": 20,     # A 20, B 90: the 1st of 2
        "funds_within_hour_share": 0.5,      # A only
    }


def test_figures_of_a_county_without_a_cohort(funds):
    session, u = funds
    figures = funds_figures(session, scope_for_unit(u["990002"]), [NOVEMBER])[0]
    assert figures["amount_stopped"] == 30_000 and figures["amount_returned"] == 25_000
    assert figures["funds_reported_loss"] == 0
    assert figures["funds_stopped_share"] is None and figures["funds_stop_minutes_median"] is None


def test_money_clock(funds):
    session, u = funds
    clock = money_clock(session, scope_for_unit(u["city"]), NOVEMBER)
    assert list(clock["lower"]) == [0, 10, 20, 30, 60, 120, 360, 1440]
    assert list(clock["stop_payments"]) == [0, 0, 1, 0, 1, 0, 0, 0]  # A: 20 min, B: 90 min
    assert list(clock["cumulative_share"]) == [0, 0, 0.5, 0.5, 1, 1, 1, 1]
    assert clock.attrs == {"count": 2, "median": 20, "p90": 90}
    october = money_clock(session, scope_for_unit(u["city"]), Period.preset("month", at(2026, 10, 5)))
    assert october.attrs == {"count": 1, "median": 15, "p90": 15}  # D: 23:50 to 00:05


def test_comparison_of_the_running_month(funds):
    session, u = funds
    frame = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, NOW, FIGURES,
                            funds_figures).set_index("key")
    windows = frame.attrs["windows"]
    assert (windows.basis.first_day, windows.basis.last_day) == (date(2026, 11, 1), date(2026, 11, 21))
    assert windows.last_year.first_day == date(2025, 11, 1)
    row = frame.loc["amount_stopped"]
    assert (row["value"], row["compared"], row["last_year"], row["previous"]) == (150_000, 150_000, 50_000, 0)
    assert row["pct_last_year"] == 2.0 and row["verdict_last_year"] == "better"
    assert pd.isna(row["pct_previous"])  # nothing stopped on 1-21 October
    assert frame.loc["funds_reported_loss", "verdict_last_year"] == "neutral"
    assert frame.loc["accounts_stopped", "per_10k"] == 3 / 1_000_000 * 10_000


def test_by_county_with_year_on_year(funds):
    session, u = funds
    windows = comparison_windows(NOVEMBER, NOW)
    frame = funds_by_unit(session, scope_for_unit(u["city"]), NOVEMBER, "county", windows).set_index("code")
    assert frame.loc["990001", ["accounts_stopped", "amount_stopped", "amount_frozen", "amount_returned",
                                "funds_reported_loss"]].tolist() == [2, 120_000, 115_000, 50_000, 160_000]
    assert frame.loc["990001", "funds_stopped_share"] == 0.75
    assert pd.isna(frame.loc["990001", "amount_stopped_pct_last_year"])  # nothing a year ago
    assert frame.loc["990002", "amount_stopped_pct_last_year"] == -0.4  # 30,000 against 50,000
    assert pd.isna(frame.loc["990002", "funds_stopped_share"])
    stations = funds_by_unit(session, scope_for_unit(u["990001"]), NOVEMBER, "station")
    assert list(stations["code"]) == ["99000101", "99000102"]
    assert list(stations["amount_stopped"]) == [120_000, 0]


def test_over_time_by_day_and_by_month(funds):
    session, u = funds
    days = funds_over_time(session, scope_for_unit(u["city"]), NOVEMBER).set_index("start")
    assert days.attrs["grain"] == "day" and len(days) == 30
    assert days.loc[date(2026, 11, 1), "amount_stopped"] == 30_000
    assert days.loc[date(2026, 11, 3), ["amount_stopped", "amount_frozen"]].tolist() == [80_000, 75_000]
    assert days["amount_returned"].sum() == 75_000
    year = funds_over_time(session, scope_for_unit(u["city"]), Period.preset("year", NOW)).set_index("start")
    assert year.attrs["grain"] == "month" and len(year) == 12
    assert year.loc[date(2026, 11, 1), "amount_stopped"] == 150_000
    assert year.loc[date(2026, 10, 1), "amount_stopped"] == 0


def test_largest_stop_payments_are_masked_and_scoped(funds):
    session, u = funds
    city = largest_stop_payments(session, scope_for_unit(u["city"]), NOW)
    assert list(city["stopped_amount"]) == [80_000, 40_000, 30_000]  # C never stopped, E too old
    assert list(city["account"]) == ["6222 **** **** 0011", "6222 **** **** 0022", "6222 **** **** 0044"]
    assert list(city["minutes"]) == [20, 90, 15]
    county = largest_stop_payments(session, scope_for_unit(u["990001"]), NOW)
    assert list(county["stopped_amount"]) == [80_000, 40_000]
    assert len(largest_stop_payments(session, scope_for_unit(u["city"]), NOW, limit=1)) == 1


def one_by_one(minutes: list[int], numerator: int, denominator: int) -> int | None:
    """The ⌈n × p⌉-th smallest, from the list itself."""
    ordered = sorted(minutes)
    return ordered[-(-len(ordered) * numerator // denominator) - 1] if ordered else None


@pytest.mark.parametrize("level", ["city", "county", "station"])
def test_the_demo_months_funds_equal_its_stop_payments(seeded_session, level):
    """The aggregate tables' cohort and money clock against each stop-payment, worked out here."""
    unit = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == level).order_by(OrgUnit.code))
    period = Period.of_days(SEED_END.date() - timedelta(days=30), SEED_END.date())
    column = StopPayment.county_id if level == "county" else StopPayment.station_id
    rows = seeded_session.execute(select(
        StopPayment.reported_at, StopPayment.stopped_at, StopPayment.requested_amount,
        StopPayment.stopped_amount, StopPayment.returned_amount).where(
        StopPayment.requested_at >= period.start, StopPayment.requested_at < period.end,
        *([column == unit.id] if level != "city" else []))).all()
    waits = [max(int((stopped - reported).total_seconds()), 0) // 60
             for reported, stopped, *_ in rows if stopped is not None]
    assert len(waits) > (50 if level == "city" else 2)
    figures = funds_figures(seeded_session, scope_for_unit(unit), [period])[0]
    reported = sum(r[2] for r in rows)
    assert figures["funds_reported_loss"] == reported
    assert figures["funds_stopped_share"] == sum(r[3] for r in rows) / reported
    assert figures["funds_returned_share"] == sum(r[4] for r in rows) / reported
    assert figures["funds_within_hour_share"] == sum(w < 60 for w in waits) / len(waits)
    buckets = [response_bucket(w * 60) for w in waits]  # below an hour a bucket is its minute
    assert figures["funds_stop_minutes_median"] == one_by_one(buckets, 1, 2)
    clock = money_clock(seeded_session, scope_for_unit(unit), period)
    assert clock.attrs == {"count": len(waits), "median": one_by_one(buckets, 1, 2),
                           "p90": one_by_one(buckets, 9, 10)}
    bands = np.searchsorted(list(clock["lower"]), waits, side="right") - 1
    assert clock["stop_payments"].tolist() == np.bincount(bands, minlength=len(clock)).tolist()


def test_amount_at_risk_by_fraud_type(engine):
    """Warnings received in the period by fraud type: the day is the day of receipt, the unit in scope."""
    with Session(engine) as session:
        u = build_chain(session)
        s1, s3 = u["99000101"], u["99000201"]
        warnings = [make_warning(s1, at(2026, 11, 1, 0, 10), fraud_type="investment", amount=300_000),
                    make_warning(s1, at(2026, 11, 20, 9), fraud_type="fake_loan", amount=50_000),
                    make_warning(s3, at(2026, 11, 5, 9), fraud_type="investment", amount=20_000),
                    make_warning(s3, at(2026, 11, 6, 9), fraud_type="investment", amount=0),
                    make_warning(s1, at(2026, 10, 31, 23, 59), fraud_type="fake_loan", amount=999_000)]
        session.add_all(warnings)
        session.flush()
        apply_inserted(session, *warnings)
        city = at_risk_by_fraud_type(session, scope_for_unit(u["city"]), NOVEMBER)
        county = at_risk_by_fraud_type(session, scope_for_unit(u["990002"]), NOVEMBER)
        session.rollback()
    assert list(city.columns) == ["code", "name_zh", "name_en", "amount_at_risk", "received", "share"]
    top = city.head(2)
    assert list(top["code"]) == ["investment", "fake_loan"]  # largest first; October's 999,000 not counted
    assert list(top["amount_at_risk"]) == [320_000, 50_000] and list(top["received"]) == [3, 1]
    assert list(top["share"]) == [320_000 / 370_000, 50_000 / 370_000]
    assert city["amount_at_risk"].iloc[2:].eq(0).all() and len(city) > 2  # every type of the list
    assert county.iloc[0][["code", "amount_at_risk", "received", "share"]].tolist() == ["investment", 20_000, 2, 1.0]


def test_the_demo_months_amount_at_risk_by_fraud_type_equals_its_warnings(seeded_session):
    """To the yuan: the aggregate's sums against every warning received in the last 30 days."""
    period = Period.of_days(SEED_END.date() - timedelta(days=30), SEED_END.date())
    city, county = (seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == level).order_by(OrgUnit.code))
                    for level in ("city", "county"))
    for unit, where in ((city, []), (county, [Warning.county_id == county.id])):
        rows = seeded_session.execute(select(Warning.fraud_type, Warning.amount_at_risk).where(
            Warning.received_at >= period.start, Warning.received_at < period.end, *where)).all()
        expected: dict[str, int] = {}
        for code, amount in rows:
            expected[code] = expected.get(code, 0) + (amount or 0)
        got = at_risk_by_fraud_type(seeded_session, scope_for_unit(unit), period)
        assert {c: a for c, a in zip(got["code"], got["amount_at_risk"], strict=True) if a} == expected
        assert len(expected) > 3


def test_a_young_cohorts_returned_share_is_not_yet_comparable_until_it_has_matured(funds):
    """docs/metrics.md, "Fair comparisons": 1-21 November's returns are weeks from complete."""
    session, u = funds
    frame = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, NOW, FIGURES,
                            funds_figures).set_index("key")
    young = frame.loc["funds_returned_share"]
    assert young["value"] == 50_000 / 160_000 and young["last_year"] == 0  # E: nothing returned
    for name in ("last_year", "previous"):
        assert young[f"verdict_{name}"] == "immature"
        assert pd.isna(young[f"change_{name}"]) and pd.isna(young[f"pct_{name}"])
    assert frame.loc["amount_stopped", "verdict_last_year"] == "better"  # a stage count: compared at once
    later = datetime(2027, 3, 1, 10, tzinfo=SHANGHAI)  # November 2026 is 90 days old
    mature = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, later, FIGURES,
                             funds_figures).set_index("key").loc["funds_returned_share"]
    assert mature["verdict_last_year"] == "better" and mature["change_last_year"] == 50_000 / 160_000


def test_a_year_has_one_comparison_on_the_page_and_in_its_unit_table(funds):
    session, u = funds
    year = Period.preset("year", NOW)
    frame = compare_figures(session, scope_for_unit(u["city"]), year, NOW, FIGURES, funds_figures)
    windows = frame.attrs["windows"]
    assert windows.previous is None and windows.names == ("last_year",)
    assert (windows.last_year.first_day, windows.last_year.last_day) == (date(2025, 1, 1), date(2025, 11, 21))
    assert frame["verdict_previous"].isna().all() and frame["previous"].isna().all()
    units = funds_by_unit(session, scope_for_unit(u["city"]), year, "county", windows)
    assert "amount_stopped_pct_previous" not in units.columns
    assert units.set_index("code").loc["990002", "amount_stopped_pct_last_year"] == -0.4


def test_days_and_months_not_yet_come_are_empty_not_zero(funds):
    session, u = funds
    today = NOW.date()
    days = funds_over_time(session, scope_for_unit(u["city"]), NOVEMBER, today).set_index("start")
    assert len(days) == 30 and days.loc[date(2026, 11, 22), "amount_stopped"] == 0  # today has come
    assert days.loc[date(2026, 11, 3), "amount_stopped"] == 80_000
    assert all(v is None for v in days.loc[date(2026, 11, 23):, "amount_stopped"])
    year = funds_over_time(session, scope_for_unit(u["city"]), Period.preset("year", NOW), today)
    year = year.set_index("start")
    assert year.loc[date(2026, 11, 1), "amount_stopped"] == 150_000
    assert year.loc[date(2026, 12, 1)].tolist() == [None, None, None, None]
