"""An attacker for the tests: what can be worked out from the published tables alone?

Written apart from ``dashboard.disclosure``: it reads only what a press
officer receives (the tables, with "<5" and "x") and what anyone knows of
the command chain (which stations a district has), writes the sums a
reader would write, and asks linear algebra which unknown cells they fix:
a cell is fixed when every solution of the equations agrees on it, i.e.
when its column of the null space of the equations over the unknowns is 0.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from threadpoolctl import threadpool_limits

from dashboard.domain import OrgUnit
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.statistics.publication import Publication


def _units(session, codes: list[str]) -> tuple[dict, dict]:
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    by_id = {u.id: u for u in units.values()}
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent_id in by_id:
            children.setdefault(by_id[unit.parent_id].code, []).append(unit.code)
    return units, children


def _between(units, children, selected: list[str]) -> set[str]:
    """Units with a sum a reader can write: on a path from a selected unit to a selected one below."""
    parents = set()
    for top in selected:
        for below in selected:
            path = units[below].path.split("/")
            if below != top and top in path:
                parents |= set(path[path.index(top):-1])
    return parents


def fixed_cells(session, publication: Publication) -> tuple[set[tuple], set[tuple]]:
    """(withheld cells, unpublished cells of units left out) that the published cells and sums fix."""
    known: set[tuple] = set()
    withheld: set[tuple] = set()
    selected = [u["code"] for u in publication.units]
    figures = publication.table("figures")
    for row in figures.rows:
        for column, value in zip(figures.columns, row.values, strict=True):
            figure, tag = column.code.split(":")
            if tag == "change" or not KPI_BY_KEY[figure].additive:
                continue
            (known if value.status == "published" else withheld).add(("fig", figure, row.code, tag))
    equations: list[tuple[tuple, list[tuple]]] = []
    for code, dim, total_figure in (("fraud_types", "ft", "received"), ("outcomes", "oc", "closed")):
        table = publication.table(code)
        items = [r.code for r in table.rows if not r.total]
        for column_index, unit in enumerate(selected):
            for row in table.rows:
                key = ("fig", total_figure, unit, "current") if row.total else (dim, unit, row.code)
                value = row.values[column_index]
                (known if value.status == "published" else withheld).add(key)
            equations.append((("fig", total_figure, unit, "current"), [(dim, unit, i) for i in items]))
    trend = publication.table("trend")
    main, unit0 = publication.main_figure, selected[0]
    for tag, column in (("current", 0), ("comparison", 2)):
        days = []
        for index, row in enumerate(trend.rows):
            value = row.values[column]
            if value.status == "undefined":  # past the end of the shorter period
                continue
            key = ("day", tag, index)
            (known if value.status == "published" else withheld).add(key)
            days.append(key)
        equations.append((("fig", main, unit0, tag), days))
    units, children = _units(session, selected)
    additive = [f for f in publication.request.figures if KPI_BY_KEY[f].additive]
    for parent in _between(units, children, selected):
        kids = children.get(parent, [])
        for figure in set(additive) | {"received", "closed"}:
            for tag in ("current", "comparison"):
                equations.append((("fig", figure, parent, tag), [("fig", figure, k, tag) for k in kids]))
        for dim, code in (("ft", "fraud_types"), ("oc", "outcomes")):
            for item in (r.code for r in publication.table(code).rows if not r.total):
                equations.append(((dim, parent, item), [(dim, k, item) for k in kids]))
    variables = sorted({k for total, parts in equations for k in (total, *parts)} - known, key=repr)
    if not variables:
        return set(), set()
    index = {k: i for i, k in enumerate(variables)}
    rows = []
    for total, parts in equations:
        row = np.zeros(len(variables))
        for key, sign in [(total, 1.0)] + [(p, -1.0) for p in parts]:
            if key in index:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set(), set()
    matrix = np.array(rows)
    with threadpool_limits(1):
        _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(1.0, singular.max())).sum())
    null = vt[rank:]
    fixed = {k for k in variables if null.shape[0] == 0 or np.abs(null[:, index[k]]).max() < 1e-7}
    return fixed & withheld, fixed - withheld
