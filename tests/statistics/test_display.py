"""Published tables read like the rest of the dashboard: 53.41亿元 (never 5,340,657,491 beside it), "持平"."""

from __future__ import annotations

import pytest

from dashboard.statistics.headlines import _change_clause
from dashboard.statistics.tables import PRIMARY, PUBLISHED, SECONDARY, UNDEFINED, Value, display


@pytest.mark.parametrize(("value", "kind", "zh", "en"), [
    (5_340_657_491, "yuan", "53.41亿元", "¥5,340,657,491"),
    (12_345, "count", "1.23万", "12,345"),
    (812, "count", "812", "812"),
    (0.6234, "rate", "62.3%", "62.3%"),
    (12.04, "average", "12.0", "12.0"),
    (0.1234, "pct", "+12.3%", "+12.3%"),
    (-0.0004, "pct", "持平", "no change"),
    (-0.0004, "points", "持平", "no change"),
    (-0.031, "points", "-3.1个百分点", "-3.1 pp"),
])
def test_a_published_value_reads_as_the_dashboard_writes_it(value, kind, zh, en):
    assert display(Value.of(value, PUBLISHED, kind), "zh-CN", 5) == zh
    assert display(Value.of(value, PUBLISHED, kind), "en", 5) == en


def test_withheld_values_still_read_as_withheld():
    assert display(Value.of(3, PRIMARY, "count"), "zh-CN", 5) == "<5"
    assert display(Value.of(3, SECONDARY, "yuan"), "zh-CN", 5) == "x"
    assert display(Value.of(None, UNDEFINED, "pct"), "en", 5) == "—"


@pytest.mark.parametrize("change", [-0.0004, 0.00049, 0.0])
def test_the_sentence_and_the_table_agree_on_no_change(change):
    value = Value.of(change, PUBLISHED, "points")
    assert display(value, "zh-CN", 5) == "持平"
    assert "持平" in _change_clause(value, "points", "zh-CN", "同比")
    assert "unchanged" in _change_clause(value, "pct", "en", "year on year")


def test_a_change_just_above_zero_is_a_change_in_both():
    value = Value.of(0.0006, PUBLISHED, "pct")
    assert display(value, "en", 5) == "+0.1%"
    assert "up 0.1%" in _change_clause(value, "pct", "en", "year on year")
