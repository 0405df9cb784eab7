"""Disclosure control across publications: the release ledger (``statistics.ledger``, ``releases``).

A reader who holds two publications of nested or overlapping periods for
the same unit must not get back, by subtraction, any cell either withheld.
The attacker (``tests.statistics.recover_across``) is written apart from the
ledger: it sees only the tables.  Without a recipient (no ledger) the same
pairs do give cells back, so the attack is real.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dashboard.domain import OrgUnit, ReleasedCell, StatisticsRelease
from dashboard.statistics.publication import build_publication
from dashboard.statistics.releases import record_release
from dashboard.statistics.request import parse_request
from tests.statistics.conftest import NOW
from tests.statistics.recover_across import given_back

FIGURES = ["received", "closed", "dissuaded", "amount_at_risk", "cases_solved"]


@pytest.fixture
def give(seeded_session, city_scope):
    """``give(recipient, unit, first, last)``: build a publication for ``recipient`` and record it."""
    def make(recipient, units, first: date, last: date, figures=("received",), compare="previous"):
        params = {"unit": list(units), "from": first.isoformat(), "to": last.isoformat(),
                  "compare": compare, "figure": list(figures)}
        request, found = parse_request(params, seeded_session, city_scope, NOW)
        publication = build_publication(seeded_session, city_scope, request, found, NOW, 5,
                                        recipient=recipient)
        record_release(seeded_session, publication.release, NOW)
        seeded_session.flush()
        return publication

    return make


@pytest.fixture
def stations(seeded_session):
    return list(seeded_session.scalars(select(OrgUnit.code).where(OrgUnit.level == "station")
                                       .order_by(OrgUnit.code)))


OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
# (first period, second period, whether subtraction gives something back without the ledger)
PAIRS = [(OCTOBER, (date(2026, 10, 2), date(2026, 10, 31)), True),
         (OCTOBER, (date(2026, 10, 10), date(2026, 10, 31)), True),
         ((date(2026, 10, 1), date(2026, 10, 20)), (date(2026, 10, 10), date(2026, 10, 31)), False)]


@pytest.mark.parametrize(("first", "second", "leaky"), PAIRS, ids=["one-day-less", "nested", "overlapping"])
def test_two_periods_of_one_station_give_nothing_back(give, stations, first, second, leaky):
    leaks_without_ledger = 0
    for station in stations[:6]:
        alone = [give(None, [station], *first), give(None, [station], *second)]
        leaks_without_ledger += bool(given_back(alone))
        reader = f"user:test-{uuid.uuid4().hex[:8]}"
        together = [give(reader, [station], *first), give(reader, [station], *second)]
        assert given_back(together) == [], station
    if leaky:
        assert leaks_without_ledger, "no pair leaked even without the ledger: the test proves nothing"


def test_the_same_request_is_answered_the_same_way_and_recorded_once(give, stations, seeded_session):
    reader = f"user:test-{uuid.uuid4().hex[:8]}"
    before = give(reader, [stations[0]], *OCTOBER)
    give(reader, [stations[0]], date(2026, 10, 5), date(2026, 10, 25))
    again = give(reader, [stations[0]], *OCTOBER)
    assert again.digest == before.digest and again.release.repeated
    releases = seeded_session.scalar(select(func.count()).select_from(StatisticsRelease)
                                     .where(StatisticsRelease.recipient == reader))
    assert releases == 2
    shown = seeded_session.scalars(select(ReleasedCell).where(ReleasedCell.recipient == reader)).all()
    assert shown and {c.unit_code for c in shown} == {stations[0]}
    assert any(c.withheld for c in shown) and any(not c.withheld for c in shown)


def test_readers_have_their_own_ledgers(give, stations):
    first, second = f"user:test-{uuid.uuid4().hex[:8]}", f"user:test-{uuid.uuid4().hex[:8]}"
    give(first, [stations[0]], *OCTOBER)
    fresh = give(second, [stations[0]], date(2026, 10, 2), date(2026, 10, 31))
    alone = give(None, [stations[0]], date(2026, 10, 2), date(2026, 10, 31))
    assert fresh.digest == alone.digest


@st.composite
def periods(draw):
    start = draw(st.dates(date(2026, 6, 1), date(2026, 10, 31)))
    length = draw(st.integers(0, 30))
    return start, min(start + timedelta(days=length), date(2026, 11, 20))


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_overlapping_periods_and_units_give_nothing_back(give, stations, data):
    station = data.draw(st.sampled_from(stations[:8]))
    county = station[:6]
    reader = f"user:test-{uuid.uuid4().hex[:8]}"
    first = data.draw(periods())
    published = [give(reader, [station], *first, figures=data.draw(
        st.lists(st.sampled_from(FIGURES), min_size=1, max_size=3, unique=True)))]
    for _ in range(data.draw(st.integers(1, 2))):
        a, b = data.draw(periods())
        # overlapping the first, and now and then with the district beside the station
        a, b = min(a, first[1]), max(b, first[0])
        units = [station] if data.draw(st.booleans()) else [county, station]
        published.append(give(reader, units, a, b, figures=data.draw(
            st.lists(st.sampled_from(FIGURES), min_size=1, max_size=3, unique=True)),
            compare=data.draw(st.sampled_from(["previous", "last_year"]))))
    assert given_back(published) == []
