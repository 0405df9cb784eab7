"""The disclosure model of one statistics request: every cell behind its tables and how they add up.

Cell keys:

- ``(name, unit_code, tag)``: an additive figure (a count or an amount) or a
  count behind one (``COMPONENTS`` of ``metrics.statistics``) of a unit in
  the current or the comparison period (``tag``);
- ``(name, unit_code, "current", dim, item)``: a breakdown by fraud type or
  outcome (current period);
- ``(name, unit_code, tag, "day", index)``: one day of the trend.

Equations: a unit equals the sum of its children wherever a selected unit
has a selected unit below it (siblings left out of the selection are hidden
cells, so the sum still binds); the fraud types of a unit add up to its
warnings, its outcomes to its closed warnings (and the dissuading outcomes
to its dissuaded); the days add up to the period; and a rate's numerator
plus its complement (not dissuaded, late, unsolved) make its denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dashboard.auth.scope import PATH_SEPARATOR
from dashboard.disclosure import Cells
from dashboard.domain import OrgUnit
from dashboard.metrics.kpis import KPI_BY_KEY, dissuaded_outcomes

TAGS = ("current", "comparison")
# amounts and the count of cases each sums (an amount of fewer cases than the threshold is suppressed)
BASIS = {"amount_at_risk": "received", "loss_avoided": "dissuaded", "loss": "loss_cases",
         "amount_stopped": "accounts_stopped", "amount_frozen": "frozen", "amount_returned": "returned"}
# rates: numerator, denominator; publishing a rate publishes both in effect
RATES = {"success_rate": ("dissuaded", "closed"), "on_time_rate": ("on_time", "due"),
         "solving_rate": ("reported_solved", "cases_reported")}
COMPLEMENTS = {("closed", "dissuaded"): "not_dissuaded", ("due", "on_time"): "late",
               ("cases_reported", "reported_solved"): "unsolved"}
DERIVED = {"received_per_day": "received"}
PERCENTILE_BASIS = {"first_contact_median": "contacted", "first_contact_p90": "contacted",
                    "door_visit_median": "door_visits", "door_visit_p90": "door_visits"}
TREND_FIGURES = ("received", "closed", "dissuaded", "attempts", "accounts_stopped", "cases_reported",
                 "cases_solved", "suspects_arrested", "publicity_events", "publicity_reach")


def kind_of(name: str) -> str:
    kpi = KPI_BY_KEY.get(name)
    return kpi.kind if kpi is not None else "count"


def is_additive(name: str) -> bool:
    kpi = KPI_BY_KEY.get(name)
    return kpi.additive if kpi is not None else True


def main_figure(figures: tuple[str, ...]) -> str:
    """The figure the charts and the trend show: the first selected one that adds up by day."""
    return next((f for f in figures if f in TREND_FIGURES), "received")


def model_names(figures: tuple[str, ...]) -> tuple[list[str], set[str]]:
    """Additive names in the model, and those of them shown (published in effect) for selected units."""
    shown = {f for f in figures if is_additive(f)}
    for figure in figures:
        if figure in RATES:
            shown |= set(RATES[figure])
        if figure in DERIVED:
            shown.add(DERIVED[figure])
    shown |= {"received", "closed", main_figure(figures)}  # totals of the breakdowns and trend
    names = set(shown) | {"dissuaded"}
    return sorted(names), shown


@dataclass
class UnitTree:
    """The selected units and every unit the equations between them need."""

    selected: list[OrgUnit]
    units: dict[str, OrgUnit] = field(default_factory=dict)       # by code: the model's units
    children: dict[str, list[str]] = field(default_factory=dict)  # parent code -> child codes

    @property
    def model_units(self) -> list[OrgUnit]:
        return sorted(self.units.values(), key=lambda u: u.path)


def unit_tree(session: Session, selected: list[OrgUnit]) -> UnitTree:
    """Selected units plus, on every path from a selected unit to a selected one below it, all children."""
    conditions = [or_(OrgUnit.path == u.path, OrgUnit.path.startswith(u.path + PATH_SEPARATOR))
                  for u in selected]
    everything = {u.code: u for u in session.scalars(select(OrgUnit).where(or_(*conditions)))}
    by_id = {u.id: u for u in everything.values()}
    kids: dict[str, list[str]] = {}
    for unit in sorted(everything.values(), key=lambda u: u.path):
        parent = by_id.get(unit.parent_id)
        if parent is not None:
            kids.setdefault(parent.code, []).append(unit.code)
    tree = UnitTree(selected, {u.code: u for u in selected})
    for top in selected:
        for below in selected:
            if below is top or not below.path.startswith(top.path + PATH_SEPARATOR):
                continue
            codes = below.path.split(PATH_SEPARATOR)
            for code in codes[codes.index(top.code):-1]:
                tree.children[code] = kids.get(code, [])
                tree.units.setdefault(code, everything[code])
                for child in tree.children[code]:
                    tree.units.setdefault(child, everything[child])
    return tree


def _add_figures(cells: Cells, tree: UnitTree, raw: dict[str, pd.DataFrame], names, shown,
                 threshold: int) -> None:
    selected = {u.code for u in tree.selected}
    for tag in TAGS:
        frame = raw[tag]
        for unit in tree.model_units:
            row = frame.loc[unit.id]
            for name in names:
                basis = int(row[BASIS[name]]) if name in BASIS else None
                cells.add((name, unit.code, tag), int(row[name]), kind=kind_of(name),
                          shown=unit.code in selected and name in shown, basis=basis,
                          threshold=threshold)
            for (whole, part), rest in COMPLEMENTS.items():
                if whole in names and part in names:
                    cells.add((rest, unit.code, tag), int(row[whole]) - int(row[part]), shown=False,
                              threshold=threshold)
                    cells.add_sum((whole, unit.code, tag), [(part, unit.code, tag), (rest, unit.code, tag)])
        for parent, kids in tree.children.items():
            for name in names:
                cells.add_sum((name, parent, tag), [(name, kid, tag) for kid in kids])


def _add_breakdown(cells: Cells, tree: UnitTree, frame: pd.DataFrame, name: str, dim: str,
                   items: list[str], threshold: int, subsets: dict[str, list[str]] | None = None):
    selected = {u.code for u in tree.selected}
    values = ({(int(u), i): int(v) for u, i, v in zip(frame["unit_id"], frame["item"], frame[name], strict=True)}
              if len(frame) else {})
    for unit in tree.model_units:
        keys = []
        for item in items:
            key = (name, unit.code, "current", dim, item)
            cells.add(key, values.get((unit.id, item), 0), shown=unit.code in selected,
                      threshold=threshold)
            keys.append(key)
        cells.add_sum((name, unit.code, "current"), keys)
        for total, subset in (subsets or {}).items():
            cells.add_sum((total, unit.code, "current"),
                          [(name, unit.code, "current", dim, item) for item in subset])
    for parent, kids in tree.children.items():
        for item in items:
            cells.add_sum((name, parent, "current", dim, item),
                          [(name, kid, "current", dim, item) for kid in kids])


def _add_trend(cells: Cells, unit: OrgUnit, name: str, days: dict[str, list[int]], threshold: int):
    for tag in TAGS:
        keys = []
        for index, value in enumerate(days[tag]):
            key = (name, unit.code, tag, "day", index)
            cells.add(key, value, threshold=threshold)
            keys.append(key)
        cells.add_sum((name, unit.code, tag), keys)


def build_cells(session: Session, tree: UnitTree, figures: tuple[str, ...], raw: dict,
                breakdowns: dict, trend: dict, items: dict, threshold: int) -> Cells:
    """Every cell and equation of one request (``raw``: unit_figures per tag, indexed by unit id)."""
    names, shown = model_names(figures)
    cells = Cells()
    _add_figures(cells, tree, raw, names, shown, threshold)
    _add_breakdown(cells, tree, breakdowns["fraud_type"], "received", "fraud_type",
                   items["fraud_type"], threshold)
    dissuading = [code for code in items["outcome"] if code in set(dissuaded_outcomes(session))]
    _add_breakdown(cells, tree, breakdowns["outcome"], "closed", "outcome", items["outcome"],
                   threshold, {"dissuaded": dissuading})
    _add_trend(cells, tree.selected[0], main_figure(figures), trend, threshold)
    return cells
