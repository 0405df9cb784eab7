"""The 同比 / 环比 of a report table's rows (``metrics.figures``), shared by the funds and cases pages."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.metrics.compare import Windows
from dashboard.metrics.figures import add_changes, compared_periods
from dashboard.metrics.period import Period

NOVEMBER = Period.of_days(date(2026, 11, 1), date(2026, 11, 30))
BASIS = Period.of_days(date(2026, 11, 1), date(2026, 11, 20))
PREVIOUS = Period.of_days(date(2026, 10, 1), date(2026, 10, 20))
LAST_YEAR = Period.of_days(date(2025, 11, 1), date(2025, 11, 20))


def values(column: pd.Series) -> list:
    return [None if pd.isna(v) else round(v, 6) for v in column]


def test_the_compared_windows_follow_the_period_in_the_order_the_changes_read_them():
    assert compared_periods(NOVEMBER, None) == [NOVEMBER]
    assert compared_periods(NOVEMBER, Windows(NOVEMBER, None, None, None)) == [NOVEMBER]
    windows = Windows(NOVEMBER, BASIS, PREVIOUS, LAST_YEAR)
    assert compared_periods(NOVEMBER, windows) == [NOVEMBER, BASIS, LAST_YEAR, PREVIOUS]


def test_changes_row_by_row_with_none_where_the_base_is_zero_or_missing():
    out = pd.DataFrame({"code": ["a", "b", "c"], "stopped": [1, 2, 3]})
    basis = pd.DataFrame({"code": ["a", "b", "c"], "stopped": [30, 10, 5]})
    last_year = pd.DataFrame({"code": ["a", "b"], "stopped": [20, 0]})  # "c": none a year ago
    previous = pd.DataFrame({"code": ["a", "c"], "stopped": [60, 10]})
    add_changes(out, [basis, last_year, previous], "stopped", key="code")
    assert list(out.columns) == ["code", "stopped", "stopped_pct_last_year", "stopped_pct_previous"]
    assert values(out["stopped_pct_last_year"]) == [0.5, None, None]
    assert values(out["stopped_pct_previous"]) == [-0.5, None, -0.5]


def test_without_compared_windows_the_changes_are_none():
    out = pd.DataFrame({"unit_id": [1, 2], "stopped": [1, 2]})
    add_changes(out, [], "stopped")
    assert out["stopped_pct_last_year"].tolist() == [None, None]
    assert out["stopped_pct_previous"].tolist() == [None, None]
