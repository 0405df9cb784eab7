"""The cases page's figures against hand-computed values on six cases.

City 990000: county 990001 (stations s1, s2), county 990002 (station s3).  Now is
2026-11-22 10:00.

| case | station | reported         | fraud type      | loss    | solved (suspects)    | warning |
|------|---------|------------------|-----------------|---------|----------------------|---------|
| C1   | s1      | 2026-11-02 10:00 | investment      | 100,000 | 2026-11-12 10:00 (2) | W1      |
| C2   | s1      | 2026-11-05 10:00 | investment      | 50,000  | open (17 days)       | W2      |
| C3   | s2      | 2026-11-08 09:00 | fake_loan       | 10,000  | 2026-11-20 09:00 (1) | —       |
| C4   | s3      | 2026-10-10 09:00 | fake_loan       | 30,000  | 2026-11-03 09:00 (3) | —       |
| C5   | s3      | 2025-11-10 09:00 | investment      | 20,000  | open (377 days)      | —       |
| C6   | s3      | 2026-06-01 09:00 | brushing_rebate | 5,000   | open (174 days)      | —       |
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import rebuild
from dashboard.auth.scope import scope_for_unit
from dashboard.domain import Case, OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.cases import (
    AGE_BANDS,
    FIGURES,
    case_figures,
    cases_by_fraud_type,
    cases_by_unit,
    cases_over_time,
    open_case_ages,
    open_cases,
)
from dashboard.metrics.compare import comparison_windows
from dashboard.metrics.figures import compare_figures
from dashboard.metrics.period import Period
from tests.conftest import SEED_END
from tests.factories import build_chain, make_case, make_warning

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
NOVEMBER = Period.preset("month", NOW)


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def cases(engine):
    with Session(engine) as session:
        u = build_chain(session)
        s1, s2, s3 = u["99000101"], u["99000102"], u["99000201"]
        w1, w2 = make_warning(s1, at(2026, 11, 2, 9)), make_warning(s1, at(2026, 11, 5, 9))
        session.add_all([w1, w2])
        session.flush()
        rows = {
            "C1": (s1, at(2026, 11, 2, 10), 100_000, "investment", at(2026, 11, 12, 10), 2, w1.id),
            "C2": (s1, at(2026, 11, 5, 10), 50_000, "investment", None, 0, w2.id),
            "C3": (s2, at(2026, 11, 8, 9), 10_000, "fake_loan", at(2026, 11, 20, 9), 1, None),
            "C4": (s3, at(2026, 10, 10, 9), 30_000, "fake_loan", at(2026, 11, 3, 9), 3, None),
            "C5": (s3, at(2025, 11, 10, 9), 20_000, "investment", None, 0, None),
            "C6": (s3, at(2026, 6, 1, 9), 5_000, "brushing_rebate", None, 0, None),
        }
        made = {}
        for name, (station, reported, loss, kind, solved, suspects, warning_id) in rows.items():
            case = make_case(station, reported, loss, fraud_type=kind)
            case.number = name
            case.warning_id = warning_id
            if solved is not None:
                case.status, case.solved_at, case.suspects_arrested = "solved", solved, suspects
            session.add(case)
            made[name] = case
        session.flush()
        rebuild(session.connection())
        session.commit()
        yield session, u, made, (w1.id, w2.id)


def test_figures_of_the_city_in_november(cases):
    session, u, _, _ = cases
    assert case_figures(session, scope_for_unit(u["city"]), [NOVEMBER])[0] == {
        "cases_reported": 3,            # C1, C2, C3
        "reported_solved": 2,           # C1, C3
        "solving_rate": 2 / 3,
        "cases_solved": 3,              # C1, C3 and C4 (reported in October)
        "suspects_arrested": 6,         # 2 + 1 + 3
        "cases_reported_loss": 160_000,
    }


def test_comparison_year_on_year(cases):
    session, u, _, _ = cases
    frame = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, NOW, FIGURES,
                            case_figures).set_index("key")
    reported = frame.loc["cases_reported"]
    assert (reported["compared"], reported["last_year"], reported["previous"]) == (3, 1, 1)  # C5; C4
    assert reported["pct_last_year"] == 2.0 and reported["verdict_last_year"] == "worse"  # more cases: bad
    assert frame.loc["cases_solved", "previous"] == 0


def test_by_fraud_type(cases):
    session, u, _, _ = cases
    frame = cases_by_fraud_type(session, scope_for_unit(u["city"]), NOVEMBER,
                                comparison_windows(NOVEMBER, NOW)).set_index("code")
    assert len(frame) == 12  # every fraud type of the reference list
    investment, loan = frame.loc["investment"], frame.loc["fake_loan"]
    assert investment[["cases_reported", "reported_solved", "cases_reported_loss", "cases_solved",
                       "suspects_arrested"]].tolist() == [2, 1, 150_000, 1, 2]
    assert investment["solving_rate"] == 0.5 and investment["share"] == 2 / 3
    assert investment["cases_reported_pct_last_year"] == 1.0  # 2 against C5
    assert loan[["cases_reported", "cases_solved", "suspects_arrested"]].tolist() == [1, 2, 4]
    assert pd.isna(loan["cases_reported_pct_last_year"])  # none a year ago
    assert frame.loc["fake_shopping", "cases_reported"] == 0 and pd.isna(frame.loc["fake_shopping",
                                                                                   "solving_rate"])


def test_by_unit(cases):
    session, u, _, _ = cases
    frame = cases_by_unit(session, scope_for_unit(u["city"]), NOVEMBER, "county",
                          comparison_windows(NOVEMBER, NOW)).set_index("code")
    assert frame.loc["990001", ["cases_reported", "reported_solved", "cases_solved",
                                "suspects_arrested"]].tolist() == [3, 2, 2, 3]
    assert frame.loc["990002", ["cases_reported", "cases_solved", "suspects_arrested"]].tolist() == [0, 1, 3]
    assert pd.isna(frame.loc["990002", "solving_rate"])
    assert pd.isna(frame.loc["990002", "cases_solved_pct_last_year"])  # none solved a year ago
    stations = cases_by_unit(session, scope_for_unit(u["990001"]), NOVEMBER, "station")
    assert list(stations["cases_reported"]) == [2, 1]


def test_over_time(cases):
    session, u, _, _ = cases
    frame = cases_over_time(session, scope_for_unit(u["city"]), Period.preset("year", NOW)).set_index("start")
    assert frame.loc[date(2026, 11, 1)].tolist() == [3, 3, 6]
    assert frame.loc[date(2026, 10, 1)].tolist() == [1, 0, 0]
    assert frame.loc[date(2026, 6, 1)].tolist() == [1, 0, 0]


def test_open_cases_by_age(cases):
    session, u, _, _ = cases
    ages = open_case_ages(session, scope_for_unit(u["city"]), NOW)
    assert list(ages["lower"]) == [0, 8, 31, 91, 181, 366]
    assert list(ages["cases"]) == [0, 1, 0, 1, 0, 1]           # C2 17 days, C6 174, C5 377
    assert list(ages["loss"]) == [0, 50_000, 0, 5_000, 0, 20_000]
    earlier = open_case_ages(session, scope_for_unit(u["city"]), at(2026, 11, 10, 10))
    # on 10 November: C2, C3 (5 and 2 days), C1 (8, solved on the 12th), C6 (162), C5 (365);
    # C4 was solved on 3 November
    assert list(earlier["cases"]) == [2, 1, 0, 1, 1, 0]


def test_the_longest_open_cases_link_to_their_warnings(cases):
    session, u, _, (w1, w2) = cases
    city = open_cases(session, scope_for_unit(u["city"]), NOW)
    assert list(city["number"]) == ["C5", "C6", "C2"]
    assert list(city["age_days"]) == [377, 174, 17]
    assert city.set_index("number").loc["C2", "warning_id"] == w2
    assert list(open_cases(session, scope_for_unit(u["city"]), NOW, band=3)["number"]) == ["C6"]
    assert list(open_cases(session, scope_for_unit(u["990001"]), NOW)["number"]) == ["C2"]
    assert open_cases(session, scope_for_unit(u["99000102"]), NOW).empty


@pytest.mark.parametrize("back", [timedelta(0), timedelta(days=20, hours=5)])
def test_open_cases_by_age_agree_with_every_raw_case(seeded_session, back):
    """The aggregate's days and the raw edges give what counting every case would, now and in the past."""
    now = SEED_END - back
    today = now.astimezone(SHANGHAI).date()
    city = seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))
    district = seeded_session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))
    for unit in (city, district):
        expected = [[0, 0] for _ in AGE_BANDS]
        rows = seeded_session.execute(select(Case.reported_at, Case.solved_at, Case.loss, OrgUnit.path)
                                      .join(OrgUnit, OrgUnit.id == Case.station_id))
        for reported_at, solved_at, loss, path in rows:
            if not path.startswith(unit.path) or reported_at > now or (solved_at is not None and solved_at <= now):
                continue
            band = bisect_right(AGE_BANDS, (today - reported_at.astimezone(SHANGHAI).date()).days) - 1
            expected[band][0] += 1
            expected[band][1] += loss
        ages = open_case_ages(seeded_session, scope_for_unit(unit), now)
        assert ages["cases"].tolist() == [n for n, _ in expected]
        assert ages["loss"].tolist() == [loss for _, loss in expected]
        assert ages["cases"].iloc[0] > 0 and ages["cases"].sum() > ages["cases"].iloc[0]
        for band in range(len(AGE_BANDS)):  # the record list of a band holds that band's cases
            listed = open_cases(seeded_session, scope_for_unit(unit), now, band, limit=100_000)
            assert len(listed) == expected[band][0]


def test_reported_by_type_of_several_windows_in_one_statement_equals_each_counted_raw(seeded_session):
    from dashboard.metrics.cases import _reported_by_type

    district = seeded_session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))
    now = SEED_END - timedelta(hours=3)
    month = Period.preset("month", now)
    windows = comparison_windows(month, now)
    periods = [month, windows.basis, windows.last_year, windows.previous]
    for unit in (district, seeded_session.scalar(select(OrgUnit).where(OrgUnit.level == "city"))):
        frames = _reported_by_type(seeded_session, scope_for_unit(unit), periods)
        for period, frame in zip(periods, frames, strict=True):
            rows = seeded_session.execute(select(Case.fraud_type, Case.solved_at, Case.loss, OrgUnit.path)
                                          .join(OrgUnit, OrgUnit.id == Case.station_id)
                                          .where(Case.reported_at >= period.start,
                                                 Case.reported_at < period.end)).all()
            rows = [r for r in rows if r.path == unit.path or r.path.startswith(unit.path + "/")]
            expected = {}
            for fraud_type, solved_at, loss, _ in rows:
                n, solved, total = expected.get(fraud_type, (0, 0, 0))
                expected[fraud_type] = (n + 1, solved + (solved_at is not None), total + loss)
            got = {r.code: (r.cases_reported, r.reported_solved, r.cases_reported_loss)
                   for r in frame.itertuples()}
            assert got == expected and expected, (unit.code, period)


def test_a_young_cohorts_solving_rate_is_not_yet_comparable_until_it_has_matured(cases):
    """November 2026's cases are days old; a year-old cohort has had a year to be solved."""
    session, u, _, _ = cases
    frame = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, NOW, FIGURES,
                            case_figures).set_index("key")
    rate = frame.loc["solving_rate"]
    assert rate["value"] == 2 / 3 and rate["last_year"] == 0  # C5, still open
    assert rate["verdict_last_year"] == rate["verdict_previous"] == "immature"
    assert pd.isna(rate["change_last_year"]) and pd.isna(rate["pct_previous"])
    assert frame.loc["cases_reported", "verdict_last_year"] == "worse"  # counts are compared at once
    later = datetime(2027, 3, 1, 10, tzinfo=SHANGHAI)
    mature = compare_figures(session, scope_for_unit(u["city"]), NOVEMBER, later, FIGURES,
                             case_figures).set_index("key").loc["solving_rate"]
    assert mature["verdict_last_year"] == "better" and mature["change_last_year"] == 2 / 3


def test_a_running_years_months_not_yet_come_are_empty(cases):
    session, u, _, _ = cases
    frame = cases_over_time(session, scope_for_unit(u["city"]), Period.preset("year", NOW),
                            NOW.date()).set_index("start")
    assert frame.loc[date(2026, 11, 1)].tolist() == [3, 3, 6]
    assert frame.loc[date(2026, 12, 1)].tolist() == [None, None, None]
