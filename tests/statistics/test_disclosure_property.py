"""Property: whatever units, period and figures are asked for, no small number is published or recoverable.

Over random mixes of the city, districts and stations, random periods and
comparisons, random figures and thresholds, on the seeded city:

- no published count lies in 1..threshold-1, and every small count reads "<N";
- a cell shared by two tables has one status in both;
- ``tests.statistics.recover`` (an attacker written apart from the
  disclosure code, from the published tables only) fixes no "<N" cell, and
  any number of a unit left out of the selection that it can fix is not small.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dashboard.auth.scope import scope_for_unit
from dashboard.domain import OrgUnit
from dashboard.metrics.statistics import fraud_types_by_unit, outcomes_by_unit, unit_figures
from dashboard.statistics.tables import display
from tests.statistics.conftest import NOW
from tests.statistics.recover import fixed_cells

FIRST, LAST = date(2025, 1, 1), date(2026, 11, 21)
FIGURES = ["received", "closed", "dissuaded", "success_rate", "amount_at_risk", "loss",
           "accounts_stopped", "amount_stopped", "cases_solved", "solving_rate", "received_per_day",
           "first_contact_median", "publicity_events"]


@st.composite
def requests(draw, codes: dict[str, list[str]]):
    counties = sorted(codes["county"])
    kind = draw(st.sampled_from(["mixed", "district", "city_and_stations"]))
    if kind == "district":
        county = draw(st.sampled_from(counties))
        stations = [c for c in codes["station"] if c.startswith(county)]
        units = [county] + draw(st.lists(st.sampled_from(stations), min_size=1, max_size=4,
                                         unique=True))
    elif kind == "city_and_stations":
        units = codes["city"] + draw(st.lists(st.sampled_from(codes["station"]), min_size=1, max_size=4,
                                              unique=True))
    else:
        every = codes["city"] + counties + codes["station"]
        units = draw(st.lists(st.sampled_from(every), min_size=1, max_size=5, unique=True))
    start = draw(st.dates(FIRST, LAST))
    end = min(start + timedelta(days=draw(st.integers(0, 31))), LAST)
    figures = draw(st.lists(st.sampled_from(FIGURES), min_size=1, max_size=5, unique=True))
    return {"unit": units, "from": start.isoformat(), "to": end.isoformat(),
            "compare": draw(st.sampled_from(["last_year", "previous"])), "figure": figures}


def _codes(session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"city": [], "county": [], "station": []}
    for unit in session.scalars(select(OrgUnit).order_by(OrgUnit.code)):
        out[unit.level].append(unit.code)
    return out


def _true_value(session, key, publication, cache: dict) -> int | None:
    """The exact number behind a cell of a unit left out (from the metrics layer)."""
    kind, *rest = key
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == rest[1 if kind == "fig" else 0]))
    scope = scope_for_unit(session.scalar(select(OrgUnit).where(OrgUnit.level == "city")))
    if kind == "fig":
        figure, _code, tag = rest
        period = publication.period if tag == "current" else publication.comparison
        if (tag, unit.id) not in cache:
            cache[(tag, unit.id)] = unit_figures(session, scope, period, NOW, [unit]).loc[unit.id]
        return int(cache[(tag, unit.id)][figure])
    frame = (fraud_types_by_unit if kind == "ft" else outcomes_by_unit)(
        session, scope, publication.period, [unit])
    match = frame[frame["item"] == rest[1]]
    return int(match.iloc[0, -1]) if len(match) else 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), threshold=st.sampled_from([3, 5]))
def test_nothing_small_is_published_or_recoverable(seeded_session, publish, data, threshold):
    params = data.draw(requests(_codes(seeded_session)))
    publication = publish(params, threshold)
    statuses: dict[tuple, str] = {}
    for table in publication.tables:
        for row in table.rows:
            for column, value in zip(table.columns, row.values, strict=True):
                if value.kind == "count" and value.status == "published":
                    assert not 0 < value.value < threshold, (table.code, row.code, column.code)
                if value.kind == "count" and value.status == "primary":
                    assert display(value, "zh-CN", threshold) == f"<{threshold}"
                if table.code in ("fraud_types", "outcomes") and row.total:
                    figure = "received" if table.code == "fraud_types" else "closed"
                    statuses[(figure, column.code)] = value.status
                if table.code == "figures" and column.code.endswith(":current"):
                    statuses.setdefault((column.code.split(":")[0], row.code), value.status)
                    assert statuses[(column.code.split(":")[0], row.code)] == value.status
    withheld, hidden = fixed_cells(seeded_session, publication)
    small = {key for key in withheld if _status_of(publication, key) == "primary"}
    assert small == set(), params
    cache: dict = {}
    for key in hidden:
        value = _true_value(seeded_session, key, publication, cache)
        assert not 0 < value < threshold, (key, value, params)


def _status_of(publication, key) -> str:
    kind, *rest = key
    if kind == "fig":
        figure, unit, tag = rest
        table = publication.table("figures")
        column = [c.code for c in table.columns].index(f"{figure}:{tag}") if \
            f"{figure}:{tag}" in [c.code for c in table.columns] else None
        if column is None:
            code = "fraud_types" if figure == "received" else "outcomes"
            table = publication.table(code)
            column = [c.code for c in table.columns].index(unit)
            return table.rows[-1].values[column].status
        return next(r for r in table.rows if r.code == unit).values[column].status
    if kind == "day":
        tag, index = rest
        return publication.table("trend").rows[index].values[0 if tag == "current" else 2].status
    table = publication.table("fraud_types" if kind == "ft" else "outcomes")
    unit, item = rest
    column = [c.code for c in table.columns].index(unit)
    return next(r for r in table.rows if r.code == item).values[column].status
