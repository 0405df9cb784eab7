"""Disclosure control across publications: what the reader was given before binds this one.

One publication's tables are protected on their own (``statistics.cells``,
``disclosure.protect``).  A reader who also holds an earlier publication of
the same unit over a nested or overlapping period could subtract: October
minus 2 to 31 October is 1 October, and a day withheld in one trend may be
published in another.  So every additive cell is also read as a **span**: a
unit's measure (``received``, ``received:fraud_type:telecom``) over whole
days.  For each unit and measure that the reader received before
(``domain.releases.ReleasedCell``), the days are cut into **segments** at
every first and last day of the old and the new spans, connected by overlap;
each segment is a hidden cell with its exact value (sensitive by the same
rule as any cell), each old published span a *released* cell (known, never
withheld), each old withheld span ("<5" or "x") a hidden sensitive cell (what
was withheld from a reader stays unknown to them) and each new span a cell,
all equal to the sum of their segments.  The
protection then goes on from the publication's own: only new cells are
withheld, until nothing sensitive can be worked out from the old and the new
together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.disclosure import Cells
from dashboard.domain import OrgUnit, ReleasedCell
from dashboard.metrics.breakdowns import DAILY_SOURCES
from dashboard.metrics.period import Period
from dashboard.metrics.statistics import (
    daily_values,
    fraud_types_by_unit,
    outcomes_by_unit,
    unit_figures,
)
from dashboard.statistics import cells as model
from dashboard.statistics.request import StatisticsRequest

SEPARATOR = ":"
BREAKDOWNS = {"fraud_type": fraud_types_by_unit, "outcome": outcomes_by_unit}
Span = tuple[str, str, date, date]  # unit code, measure, first day, last day


def _tag_days(request: StatisticsRequest, tag: str) -> tuple[date, date]:
    period = request.period if tag == "current" else request.comparison
    return period.first_day, period.last_day


def cell_span(key: Hashable, request: StatisticsRequest) -> Span | None:
    """The unit, measure and days a cell key of ``statistics.cells`` counts over."""
    if not isinstance(key, tuple) or len(key) < 3 or key[2] not in model.TAGS:
        return None
    name, unit, tag, *rest = key
    first, last = _tag_days(request, tag)
    if not rest:
        return unit, name, first, last
    if rest[0] == "day":
        day = first + timedelta(days=int(rest[1]))
        return unit, name, day, day
    dim, item = rest
    return unit, SEPARATOR.join((name, dim, str(item))), first, last


def _component(new: list[tuple[date, date]], old: list[tuple[date, date]]):
    """The old spans connected to the new ones by overlap, however many steps away."""
    reach = list(new)
    left = sorted(set(old))
    taken: list[tuple[date, date]] = []
    grew = True
    while grew:
        grew = False
        for span in list(left):
            if any(span[0] <= b and a <= span[1] for a, b in reach):
                reach.append(span)
                taken.append(span)
                left.remove(span)
                grew = True
    return taken


def _segments(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days cut at every edge of ``spans``; only the pieces some span covers."""
    edges = sorted({a for a, _ in spans} | {b + timedelta(days=1) for _, b in spans})
    pieces = []
    for start, after in zip(edges, edges[1:], strict=False):
        end = after - timedelta(days=1)
        if any(a <= start and end <= b for a, b in spans):
            pieces.append((start, end))
    return pieces


def _daily_source(name: str) -> bool:
    return name in DAILY_SOURCES or name == "dissuaded"


class SegmentValues:
    """Exact values of measures over segments: from one daily series of a unit's measure over all
    its segments where the daily tables hold it, else one query a segment."""

    def __init__(self, session: Session, scope: Scope, now, units: dict[str, OrgUnit]):
        self.session, self.scope, self.now, self.units = session, scope, now, units
        self._figures: dict[tuple[date, date], object] = {}
        self._breakdowns: dict[tuple[str, date, date], dict] = {}
        self._daily: dict[tuple[str, str, date, date], dict[date, int]] = {}

    def _unit_row(self, unit: str, first: date, last: date):
        if (first, last) not in self._figures:
            self._figures[first, last] = unit_figures(
                self.session, self.scope, Period.of_days(first, last), self.now,
                list(self.units.values()))
        return self._figures[first, last].loc[self.units[unit].id]

    def _sum(self, unit: str, name: str, first: date, last: date, hull: tuple[date, date]) -> int:
        key = (unit, name, *hull)
        if key not in self._daily:
            values = daily_values(self.session, self.units[unit], Period.of_days(*hull), name)
            self._daily[key] = {hull[0] + timedelta(days=i): v for i, v in enumerate(values)}
        series = self._daily[key]
        return sum(series.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1))

    def _plain(self, unit: str, name: str, first: date, last: date, hull) -> int:
        if _daily_source(name):
            return self._sum(unit, name, first, last, hull)
        return int(self._unit_row(unit, first, last)[name])

    def value(self, unit: str, measure: str, first: date, last: date,
              hull: tuple[date, date]) -> tuple[int, int | None]:
        """(value, basis) over ``first``..``last`` (inside ``hull``, the unit's measure's days).

        The basis is the count of cases an amount sums (None for a count).
        """
        name, *rest = measure.split(SEPARATOR)
        if rest:
            dim, item = rest
            key = (dim, first, last)
            if key not in self._breakdowns:
                frame = BREAKDOWNS[dim](self.session, self.scope, Period.of_days(first, last),
                                        list(self.units.values()))
                self._breakdowns[key] = {(int(u), str(i)): int(v) for u, i, v in
                                         zip(frame["unit_id"], frame["item"], frame[name], strict=True)}
            return self._breakdowns[key].get((self.units[unit].id, item), 0), None
        basis = (self._plain(unit, model.BASIS[name], first, last, hull)
                 if name in model.BASIS else None)
        return self._plain(unit, name, first, last, hull), basis


def released_spans(session: Session, recipient: str, units: list[str]) -> dict:
    """(unit, measure) -> {(first, last): (value, withheld)}: what ``recipient`` was shown of ``units``."""
    out: dict = defaultdict(dict)
    rows = session.execute(select(ReleasedCell.unit_code, ReleasedCell.measure, ReleasedCell.first_day,
                                  ReleasedCell.last_day, ReleasedCell.value, ReleasedCell.withheld)
                           .where(ReleasedCell.recipient == recipient,
                                  ReleasedCell.unit_code.in_(units)))
    for unit, measure, first, last, value, withheld in rows:
        out[unit, measure][first, last] = (int(value), bool(withheld))
    return out


def bind_released(session: Session, scope: Scope, cells: Cells, request: StatisticsRequest, now,
                  threshold: int, recipient: str, units: dict[str, OrgUnit]) -> bool:
    """Add to ``cells`` what ``recipient`` received before and its equations; whether anything was."""
    new: dict[tuple[str, str], list[tuple[date, date, Hashable]]] = defaultdict(list)
    for key, cell in cells.cells.items():
        span = cell_span(key, request) if cell.shown else None
        if span is not None:
            new[span[:2]].append((span[2], span[3], key))
    before = released_spans(session, recipient, sorted({unit for unit, _ in new}))
    values = SegmentValues(session, scope, now, units)
    bound = False
    for (unit, measure), spans in sorted(new.items()):
        old = _component([(a, b) for a, b, _ in spans], list(before.get((unit, measure), {})))
        if not old:
            continue
        bound = True
        pieces = _segments([(a, b) for a, b, _ in spans] + old)
        kind = model.kind_of(measure.split(SEPARATOR)[0])
        hull = (pieces[0][0], pieces[-1][1])
        for first, last in pieces:
            value, basis = values.value(unit, measure, first, last, hull)
            cells.add(("segment", unit, measure, first, last), value, kind=kind, shown=False,
                      basis=basis, threshold=threshold)

        def parts(a: date, b: date, unit=unit, measure=measure, pieces=pieces):
            return [("segment", unit, measure, s, e) for s, e in pieces if a <= s and e <= b]

        for first, last in old:
            value, withheld = before[unit, measure][first, last]
            if withheld:  # withheld from the reader then: it must stay unknown, whatever its size
                key = ("withheld", unit, measure, first, last)
                value = sum(cells.cells[p].value for p in parts(first, last))
                cells.add(key, value, kind=kind, shown=False, sensitive=True)
            else:
                key = ("released", unit, measure, first, last)
                cells.add(key, value, kind=kind, shown=False, released=True)
            cells.add_sum(key, parts(first, last))
        for first, last, key in spans:
            cells.add_sum(key, parts(first, last))
            known = before[unit, measure].get((first, last))
            cell = cells.cells[key]
            if known == (cell.value, False) and not cell.sensitive:
                cell.released = True  # given before as it is now: withholding it hides nothing
    return bound
