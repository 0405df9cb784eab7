"""The cards, the figure table, the wall and the notes draw only meaningful, mature comparisons."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from dash.development.base_component import Component

from dashboard.components.drill import compare_note, unit_table
from dashboard.components.kpi_cards import kpi_cards, kpi_table
from dashboard.components.wall import _kpi
from dashboard.domain.base import SHANGHAI
from dashboard.metrics.compare import comparison_row, comparison_windows, mature
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.metrics.period import Period
from dashboard.web.view_state import ViewState

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)


def text(node) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text(n) for n in node)
    if isinstance(node, Component):
        return text(getattr(node, "children", None) or "")
    return ""


def frame(preset: str) -> pd.DataFrame:
    """Two figures as ``kpi_comparison`` rows: warnings (compared at once) and the solving rate."""
    windows = comparison_windows(Period.preset(preset, NOW), NOW)
    others = {name: 0.0 for name in windows.names}
    rows = [comparison_row(KPI_BY_KEY["received"], 120, 100, {n: 80 for n in others}, True),
            comparison_row(KPI_BY_KEY["solving_rate"], 0.3, 0.3, {n: 0.55 for n in others},
                           mature(KPI_BY_KEY["solving_rate"].matures_days, windows.basis, NOW))]
    for row in rows:
        row["per_10k"] = None
    out = pd.DataFrame(rows)
    out.attrs["windows"] = windows
    return out


def test_a_year_shows_year_on_year_alone_everywhere():
    year = frame("year")
    for lang, name_ly, name_prev in (("zh-CN", "同比", "环比"), ("en", "Year on year", "Period on period")):
        for drawn in (kpi_cards(year, ["received"], lang), kpi_table(year, lang),
                      _kpi(year.iloc[0].to_dict(), lang, year.attrs["windows"].names)):
            assert name_ly in text(drawn) and name_prev not in text(drawn)
        note = compare_note(year.attrs["windows"], lang)
        assert "2025-01-01 – 2025-11-21" in note and name_prev not in note
    month = frame("month")
    assert "环比" in text(kpi_cards(month, ["received"], "zh-CN"))
    assert "2026-10-01 – 2026-10-21" in compare_note(month.attrs["windows"], "zh-CN")


def test_a_young_solving_rate_reads_not_yet_comparable_without_an_arrow():
    month = frame("month")
    for lang, label in (("zh-CN", "尚不可比"), ("en", "not yet comparable")):
        card = text(kpi_cards(month, ["solving_rate"], lang))
        assert card.count(label) == 2 and "▼" not in card and "▲" not in card
        assert "kpi-worse" not in str(kpi_cards(month, ["solving_rate"], lang))
    assert "▲" in text(kpi_cards(month, ["received"], "zh-CN"))  # a count is compared at once


def test_a_unit_table_leaves_out_a_comparison_without_meaning():
    units = pd.DataFrame({"code": ["350203"], "name_zh": ["思明"], "name_en": ["Siming"], "amount_stopped": [5],
                          "amount_stopped_pct_last_year": [0.5]})  # a year: no _pct_previous column
    columns = [("amount_stopped", "kpi.amount_stopped", "count"),
               ("amount_stopped_pct_last_year", "compare.last_year", "change:up"),
               ("amount_stopped_pct_previous", "compare.previous", "change:up")]
    drawn = text(unit_table("funds", "/funds", ViewState(unit="350203"), units, columns, "zh-CN"))
    assert "同比" in drawn and "环比" not in drawn
