"""An attacker for the tests: what do several publications give back when subtracted?

Written apart from ``dashboard.statistics.ledger``: it reads only the tables a
reader received, turns every additive cell into a sum over days of one unit's
measure (a figure over the period or the comparison period, a fraud type or an
outcome over the period, one day of the trend), and asks linear algebra
whether the published cells of *all* the publications fix the sum of any cell
that one of them withheld ("<5" or "x"), or of any piece of days between the
cells' edges whose value is small: its row lies in the span of the published
rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from threadpoolctl import threadpool_limits

from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.statistics.publication import Publication


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def spans(publication: Publication):
    """(unit, measure, days, value, withheld) of every additive cell of ``publication``."""
    period = (publication.period.first_day, publication.period.last_day)
    days_of = {"current": period,
               "comparison": (publication.comparison.first_day, publication.comparison.last_day)}
    out = []
    figures = publication.table("figures")
    for row in figures.rows:
        for column, value in zip(figures.columns, row.values, strict=True):
            figure, tag = column.code.split(":")
            if tag != "change" and KPI_BY_KEY[figure].additive:
                out.append((row.code, figure, _days(*days_of[tag]), value))
    for code, total, dim in (("fraud_types", "received", "fraud_type"), ("outcomes", "closed", "outcome")):
        table = publication.table(code)
        for row in table.rows:
            measure = total if row.total else f"{total}:{dim}:{row.code}"
            for column, value in zip(table.columns, row.values, strict=True):
                out.append((column.code, measure, _days(*period), value))
    unit, figure = publication.units[0]["code"], publication.main_figure
    for index, row in enumerate(publication.table("trend").rows):
        for tag, column in (("current", 0), ("comparison", 2)):
            value = row.values[column]
            if value.status != "undefined":
                out.append((unit, figure, [days_of[tag][0] + timedelta(days=index)], value))
    return [(u, m, d, v.value, v.status != "published") for u, m, d, v in out]


def _pieces(cells) -> list[tuple[date, date]]:
    """The days cut at every first and last day of the cells (only pieces some cell covers)."""
    covered = {d for days, _, _ in cells for d in days}
    edges = sorted({days[0] for days, _, _ in cells} | {days[-1] + timedelta(days=1) for days, _, _ in cells})
    return [(a, b - timedelta(days=1)) for a, b in zip(edges, edges[1:], strict=False) if a in covered]


def given_back(publications: list[Publication], threshold: int = 5) -> list[tuple]:
    """What the published cells of all ``publications`` fix together that must stay unknown.

    (unit, measure, first day, last day) of every cell one of them withheld
    and of every piece of days between the cells' edges whose value is
    small (1 to ``threshold - 1``), when the published cells fix it.
    """
    by_key = defaultdict(list)
    for publication in publications:
        for unit, measure, days, value, withheld in spans(publication):
            by_key[unit, measure].append((days, value, withheld))
    found = []
    for (unit, measure), cells in sorted(by_key.items()):
        pieces = _pieces(cells)
        column = {d: j for j, (a, b) in enumerate(pieces) for d in _days(a, b)}

        width = len(pieces)

        def row(days, column=column, width=width):
            vector = np.zeros(width)
            vector[sorted({column[d] for d in days})] = 1.0
            return vector

        known = [(row(days), value) for days, value, withheld in cells if not withheld]
        if not known:
            continue
        matrix = np.array([r for r, _ in known])
        values = np.array([float(v) for _, v in known])
        with threadpool_limits(1):
            _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
            basis = vt[:int((singular > 1e-9 * max(1.0, singular.max())).sum())]
            solution = np.linalg.lstsq(matrix, values, rcond=None)[0]

        def fixed(vector, basis=basis):
            return abs(float(np.square(basis @ vector).sum()) - float(vector @ vector)) < 1e-7

        for days, _value, withheld in cells:
            if withheld and fixed(row(days)):
                found.append((unit, measure, days[0], days[-1]))
        for j, (a, b) in enumerate(pieces):
            vector = np.zeros(len(pieces))
            vector[j] = 1.0
            if fixed(vector) and 0 < round(float(solution[j])) < threshold:
                found.append((unit, measure, a, b))
    return sorted(set(found))
