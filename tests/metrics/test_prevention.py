"""The prevention page's figures and the flag rule against hand-computed values.

City 990000: county 990001 (stations s1, s2), county 990002 (stations s3, s4, s5).
November 2026:

| station | warnings | events (reach)        | events per 1,000 warnings |
|---------|----------|-----------------------|---------------------------|
| s1      | 40       | 1 (100)               | 25                        |
| s2      | 10       | 2 (100, 300)          | 200                       |
| s3      | 10       | 1 (50)                | 100                       |
| s4      | 20       | 2 (10, 20)            | 100                       |
| s5      | 20       | 0                     | 0                         |

plus one event of county 990001 (reach 1,000) and one of the city (reach 5,000), and one
event of s1 in October (reach 7).  Warnings: upper quartile of [10, 10, 20, 20, 40] is 20;
the median rate of [0, 25, 100, 100, 200] is 100, half of it 50: s1 (40, 25) and s5 (20, 0)
are flagged; s4 (20, 100) is not.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.aggregates import rebuild
from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.period import Period
from dashboard.metrics.prevention import (
    heatmap_period,
    prevention_figures,
    publicity_by_kind,
    publicity_by_unit,
    publicity_by_unit_month,
    publicity_gaps,
)
from tests.factories import build_chain, make_publicity, make_warning

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
NOVEMBER = Period.preset("month", NOW)
WARNINGS = {"99000101": 40, "99000102": 10, "99000201": 10, "99000202": 20, "99000203": 20}
EVENTS = {"99000101": [100], "99000102": [100, 300], "99000201": [50], "99000202": [10, 20], "99000203": []}


@pytest.fixture
def prevention(engine):
    with Session(engine) as session:
        u = build_chain(session)
        for code in ("99000202", "99000203"):
            county = u["990002"]
            u[code] = OrgUnit(code=code, name_zh=f"派出所{code}", name_en=f"Station {code}", level="station",
                              parent_id=county.id, path=f"{county.path}/{code}", population=100_000)
            session.add(u[code])
        session.flush()
        start = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
        for code, n in WARNINGS.items():
            session.add_all([make_warning(u[code], start + timedelta(hours=i)) for i in range(n)])
        for code, reaches in EVENTS.items():
            session.add_all([make_publicity(u[code], date(2026, 11, 3 + i), reach=r)
                             for i, r in enumerate(reaches)])
        session.add_all([make_publicity(u["990001"], date(2026, 11, 9), kind="online_push", reach=1000),
                         make_publicity(u["city"], date(2026, 11, 9), kind="online_push", reach=5000),
                         make_publicity(u["99000101"], date(2026, 10, 20), reach=7)])
        session.flush()
        rebuild(session.connection())
        session.commit()
        yield session, u


def test_figures_of_the_city(prevention):
    session, u = prevention
    assert prevention_figures(session, scope_for_unit(u["city"]), [NOVEMBER])[0] == {
        "publicity_events": 8, "publicity_reach": 6_580,
        "prevention_events_per_1000_warnings": 8 / 100 * 1000}
    county = prevention_figures(session, scope_for_unit(u["990001"]), [NOVEMBER])[0]
    assert county["publicity_events"] == 4 and county["publicity_reach"] == 1_500  # s1, s2 and its own


def test_by_unit_and_kind(prevention):
    session, u = prevention
    counties = publicity_by_unit(session, scope_for_unit(u["city"]), NOVEMBER, "county").set_index("code")
    assert counties.loc["990001", ["publicity_events", "publicity_reach", "warnings"]].tolist() == [4, 1_500, 50]
    assert counties.loc["990002", ["publicity_events", "publicity_reach", "warnings"]].tolist() == [3, 80, 50]
    assert counties.loc["990002", "events_per_1000_warnings"] == 60
    kinds = publicity_by_kind(session, scope_for_unit(u["city"]), NOVEMBER).set_index("code")
    assert kinds.loc["lecture", "publicity_events"] == 6 and kinds.loc["online_push", "publicity_events"] == 2
    assert kinds.loc["school", "publicity_events"] == 0


def test_by_unit_and_month(prevention):
    session, u = prevention
    months = heatmap_period(NOVEMBER)
    assert (months.first_day, months.last_day) == (date(2025, 12, 1), date(2026, 11, 30))
    frame = publicity_by_unit_month(session, scope_for_unit(u["990001"]), months, "station")
    assert len(frame) == 2 * 12  # every station and month
    s1 = frame[frame["code"] == "99000101"].set_index("month")
    assert s1.loc[date(2026, 10, 1), ["publicity_events", "publicity_reach"]].tolist() == [1, 7]
    assert s1.loc[date(2026, 11, 1), ["publicity_events", "publicity_reach"]].tolist() == [1, 100]
    assert s1.loc[date(2026, 9, 1), "publicity_events"] == 0


def test_stations_with_many_warnings_and_little_publicity_are_flagged(prevention):
    session, u = prevention
    gaps = publicity_gaps(session, scope_for_unit(u["city"]), NOVEMBER).set_index("code")
    assert gaps.attrs == {"volume_threshold": 20.0, "rate_threshold": 50.0}
    assert gaps.loc[["99000101", "99000102", "99000201", "99000202", "99000203"],
                    "events_per_1000_warnings"].tolist() == [25, 200, 100, 100, 0]
    assert sorted(gaps.index[gaps["flagged"]]) == ["99000101", "99000203"]


def test_too_few_stations_flag_nothing(prevention):
    session, u = prevention
    gaps = publicity_gaps(session, scope_for_unit(u["990001"]), NOVEMBER)  # two stations
    assert not gaps["flagged"].any() and gaps.attrs["volume_threshold"] is None
