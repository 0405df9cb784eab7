"""One publication: the disclosure-controlled tables of a statistics request.

``build_publication(session, scope, request, units, now, threshold)`` is the
only way to statistics for the page, the exports, the CLI and the API, so
that they show the same figures under the same rules:

1. the exact figures of every unit the tables and equations need
   (``metrics.statistics``), for the period and the comparison period;
2. the cells and equations (``statistics.cells``), protected by
   ``disclosure.protect``;
3. the tables, built from the protected cells only: ``figures`` (units x
   figures: this period, comparison period, change), ``fraud_types`` and
   ``outcomes`` (items x selected units, with the total), ``trend`` (the
   main figure of the first unit, day by day, beside the comparison period).

``digest`` is a SHA-256 over the published tables (not the generation time):
the page keeps it with its preview, and an export refuses to go on if the
figures it would write differ from the preview.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pandas import isna
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.scope import Scope
from dashboard.disclosure import Protection
from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import FraudType, Outcome
from dashboard.i18n import LANGUAGES, translate
from dashboard.metrics.compare import mature
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.metrics.period import Period
from dashboard.metrics.statistics import (
    daily_values,
    fraud_types_by_unit,
    outcomes_by_unit,
    unit_figures,
)
from dashboard.statistics import cells as model
from dashboard.statistics.releases import Release, protect_release
from dashboard.statistics.request import StatisticsRequest
from dashboard.statistics.tables import (
    IMMATURE,
    PRIMARY,
    PUBLISHED,
    SECONDARY,
    UNDEFINED,
    Column,
    Row,
    Table,
    Value,
    text,
)

TAG_LABELS = {"current": "statistics.col.current", "comparison": "statistics.col.comparison"}


@dataclass
class Publication:
    request: StatisticsRequest
    units: list[dict]
    period: Period
    comparison: Period
    threshold: int
    generated_at: datetime
    tables: list[Table]
    suppressed: dict[str, int]
    release: Release | None = None  # what the reader is given (None: not recorded)

    @property
    def main_unit(self) -> dict:
        return self.units[0]

    @property
    def main_figure(self) -> str:
        return model.main_figure(self.request.figures)

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)

    def as_dict(self, lang: str) -> dict:
        return {
            "request": self.request.query(),
            "units": self.units,
            "period": {"from": self.period.first_day.isoformat(), "to": self.period.last_day.isoformat()},
            "comparison": {"from": self.comparison.first_day.isoformat(),
                           "to": self.comparison.last_day.isoformat()},
            "threshold": self.threshold,
            "generated_at": self.generated_at.isoformat(),
            "de_identified": True,
            "suppressed": self.suppressed,
            "digest": self.digest,
            "tables": [t.as_dict(lang, self.threshold) for t in self.tables],
        }

    @property
    def digest(self) -> str:
        body = [[t.code, [[r.code, [[v.value, v.status] for v in r.values]] for r in t.rows]]
                for t in self.tables]
        blob = json.dumps([self.request.query(), self.threshold, body], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _names(unit: OrgUnit) -> dict[str, str]:
    return {"zh-CN": unit.name_zh, "en": unit.name_en}


def _status(protection: Protection, key) -> str:
    state = protection.of(key)
    return {"published": PUBLISHED, "primary": PRIMARY, "secondary": SECONDARY}.get(state, SECONDARY)


def _cell(protection: Protection, cells, key) -> Value:
    cell = cells.cells[key]
    return Value.of(cell.value, _status(protection, key), cell.kind)


def _figure_value(figure: str, unit: OrgUnit, tag: str, row, cells, protection, threshold) -> Value:
    kind = model.kind_of(figure)
    if model.is_additive(figure):
        return _cell(protection, cells, (figure, unit.code, tag))
    raw = row[figure]
    raw = None if isna(raw) else float(raw)  # None, NaN or pandas' NA: undefined
    if figure in model.DERIVED:
        status = _status(protection, (model.DERIVED[figure], unit.code, tag))
    elif figure in model.RATES:
        parts = [_status(protection, (name, unit.code, tag)) for name in model.RATES[figure]]
        status = PUBLISHED if all(p == PUBLISHED for p in parts) else SECONDARY
    else:  # a percentile: published when enough warnings stand behind it
        basis = int(row[model.PERCENTILE_BASIS[figure]])
        status = PUBLISHED if basis >= threshold or basis == 0 else PRIMARY
    return Value.of(raw, status, kind)


def _change(figure: str, current: Value, before: Value, comparable: bool = True) -> Value:
    kind = "points" if model.kind_of(figure) == "rate" else "pct"
    if not comparable and PUBLISHED == current.status == before.status:
        return Value.of(None, IMMATURE, kind)
    if current.status != PUBLISHED or before.status != PUBLISHED:
        state = UNDEFINED if UNDEFINED in (current.status, before.status) else SECONDARY
        return Value.of(None, state, kind)
    if kind == "points":
        return Value.of(current.value - before.value, PUBLISHED, kind)
    return Value.of((current.value - before.value) / before.value if before.value else None,
                    PUBLISHED, kind)


def _comparable(figure: str, periods: tuple[Period, Period], now: datetime) -> bool:
    """A rate that matures (``matures_days``) is compared only when both cohorts are old enough."""
    days = KPI_BY_KEY[figure].matures_days
    return all(mature(days, period, now) for period in periods)


def _figures_table(publication_units, request, raw, cells, protection, threshold, now) -> Table:
    def label(figure: str, part: str) -> dict[str, str]:
        return {lang: f"{translate(f'kpi.{figure}', lang)} · {translate(part, lang)}"
                for lang in LANGUAGES}

    columns = []
    for figure in request.figures:
        for tag in model.TAGS:
            columns.append(Column(f"{figure}:{tag}", label(figure, TAG_LABELS[tag]),
                                  model.kind_of(figure)))
        columns.append(Column(f"{figure}:change", label(figure, "statistics.col.change"),
                              "points" if model.kind_of(figure) == "rate" else "pct"))
    table = Table("figures", text("statistics.table.figures"), text("statistics.col.unit"), columns)
    for unit in publication_units:
        values = []
        for figure in request.figures:
            pair = [_figure_value(figure, unit, tag, raw[tag].loc[unit.id], cells, protection,
                                  threshold) for tag in model.TAGS]
            values += [*pair, _change(figure, *pair,
                                      _comparable(figure, (request.period, request.comparison), now))]
        table.rows.append(Row(unit.code, _names(unit), values))
    return table


def _breakdown_table(code, name, dim, items, units, cells, protection) -> Table:
    columns = [Column(u.code, _names(u), "count") for u in units]
    table = Table(code, text(f"statistics.table.{code}"), text(f"statistics.col.{dim}"), columns)
    for item in items:
        table.rows.append(Row(item.code, {"zh-CN": item.name_zh, "en": item.name_en},
                              [_cell(protection, cells, (name, u.code, "current", dim, item.code))
                               for u in units]))
    table.rows.append(Row("total", text("statistics.total"),
                          [_cell(protection, cells, (name, u.code, "current")) for u in units], True))
    return table


def _trend_table(unit, figure, period, comparison, cells, protection) -> Table:
    columns = [Column(tag, text(TAG_LABELS[tag]), "count") for tag in model.TAGS]
    columns.insert(1, Column("comparison_day", text("statistics.col.comparison_day"), "date"))
    title = {lang: translate("statistics.table.trend", lang, figure=translate(f"kpi.{figure}", lang))
             for lang in LANGUAGES}
    table = Table("trend", title, text("statistics.col.day"), columns)
    for index in range(max(period.days, comparison.days)):
        day = period.first_day + timedelta(days=index)
        other = comparison.first_day + timedelta(days=index)
        current = (_cell(protection, cells, (figure, unit.code, "current", "day", index))
                   if index < period.days else Value.of(None, UNDEFINED, "count"))
        before = (_cell(protection, cells, (figure, unit.code, "comparison", "day", index))
                  if index < comparison.days else Value.of(None, UNDEFINED, "count"))
        label = day.isoformat() if index < period.days else "—"
        table.rows.append(Row(label, {lang: label for lang in LANGUAGES},
                              [current, Value(other.isoformat() if index < comparison.days else None,
                                              PUBLISHED, "date"), before]))
    return table


def build_publication(session: Session, scope: Scope, request: StatisticsRequest,
                      units: list[OrgUnit], now: datetime, threshold: int,
                      recipient: str | None = None) -> Publication:
    """The protected tables of ``request`` for ``units`` (already checked against ``scope``).

    ``recipient`` (``user:<id>``, ``cli:<login>``): the reader, protected against
    everything they received before; the caller records the release
    (``statistics.releases.record_release``) once the reader has it.
    """
    period, comparison = request.period, request.comparison
    tree = model.unit_tree(session, units)
    wanted = tree.model_units
    raw = {"current": unit_figures(session, scope, period, now, wanted),
           "comparison": unit_figures(session, scope, comparison, now, wanted)}
    breakdowns = {"fraud_type": fraud_types_by_unit(session, scope, period, wanted),
                  "outcome": outcomes_by_unit(session, scope, period, wanted)}
    fraud_items = list(session.scalars(select(FraudType).order_by(FraudType.sort_order)))
    outcome_items = list(session.scalars(select(Outcome).order_by(Outcome.sort_order)))
    figure = model.main_figure(request.figures)
    trend = {"current": daily_values(session, units[0], period, figure),
             "comparison": daily_values(session, units[0], comparison, figure)}
    cells = model.build_cells(session, tree, request.figures, raw, breakdowns, trend,
                              {"fraud_type": [i.code for i in fraud_items],
                               "outcome": [i.code for i in outcome_items]}, threshold)
    protection, release = protect_release(session, scope, cells, request, now, threshold, recipient,
                                          tree.units)
    tables = [
        _figures_table(units, request, raw, cells, protection, threshold, now),
        _breakdown_table("fraud_types", "received", "fraud_type", fraud_items, units, cells, protection),
        _breakdown_table("outcomes", "closed", "outcome", outcome_items, units, cells, protection),
        _trend_table(units[0], figure, period, comparison, cells, protection),
    ]
    shown = {k: s for k, s in protection.status.items() if cells.cells[k].shown}
    suppressed = {"primary": sum(1 for s in shown.values() if s == "primary"),
                  "secondary": sum(1 for s in shown.values() if s == "secondary")}
    return Publication(request, [{"code": u.code, "name_zh": u.name_zh, "name_en": u.name_en,
                                  "level": u.level} for u in units],
                       period, comparison, threshold,
                       now.astimezone(SHANGHAI).replace(microsecond=0), tables, suppressed, release)
