"""How numbers read: one rounding rule, 万 / 亿 never k / M, one rule for "no change", one deadline text."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.i18n.numbers import (
    format_average,
    format_change,
    format_count,
    format_deadline,
    format_percent,
    format_signed_change,
    format_span,
    format_value,
    format_yuan,
    is_no_change,
    nice_step,
    value_axis,
)

KINDS = ("count", "yuan", "rate", "average", "minutes")
SI = re.compile(r"\d\s*[kKMGB]\b|[kKMG]$|e[+-]?\d")
numbers = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


def parse_zh(text: str) -> float:
    """The number a Chinese text stands for: "1.99万" -> 19,900."""
    text = text.removesuffix("元")
    factor = 1
    if text.endswith("亿"):
        text, factor = text[:-1], 100_000_000
    elif text.endswith("万"):
        text, factor = text[:-1], 10_000
    return float(text.replace(",", "")) * factor


@pytest.mark.parametrize(("value", "zh"), [
    (0, "0"), (9_999, "9,999"), (9_999.4, "9,999"), (9_999.6, "1.00万"), (10_000, "1.00万"),
    (19_900, "1.99万"), (20_000, "2.00万"), (19_999, "2.00万"), (61_000, "6.10万"),
    (2_330_000, "233.00万"), (99_999_949, "9999.99万"), (99_999_999, "1.00亿"),
    (5_340_657_491, "53.41亿"), (-12_345, "-1.23万"), (-0.4, "0"),
])
def test_counts_in_chinese_keep_two_decimals_in_wan_and_yi(value, zh):
    assert format_count(value, "zh-CN") == zh


def test_two_wan_and_one_point_nine_nine_wan_never_sit_together():
    assert [format_count(v, "zh-CN") for v in (19_900, 20_000, 20_100)] == ["1.99万", "2.00万", "2.01万"]
    assert format_yuan(5_340_657_491, "zh-CN") == "53.41亿元"
    assert format_yuan(94_979_000, "zh-CN") == "9497.90万元"


def test_english_has_thousands_separators_and_averages_one_decimal():
    assert format_count(5_340_657_491, "en") == "5,340,657,491"
    assert format_yuan(990_000, "en") == "¥990,000"
    assert format_average(12.34, "en") == "12.3" and format_average(12, "en") == "12.0"
    assert format_average(12, "zh-CN") == "12.0" and format_average(123_456.7, "zh-CN") == "12.35万"
    assert format_value("average", 2, "zh-CN") == "2.0"


@settings(max_examples=300, deadline=None)
@given(numbers, st.sampled_from(("count", "yuan", "average", "minutes")))
def test_chinese_never_writes_k_or_m_and_never_minus_zero(value, kind):
    text = format_value(kind, value, "zh-CN")
    assert not SI.search(text), text
    assert not re.match(r"^-0(\.0+)?(?![.\d])", text), text  # "-0", "-0.0万"; "-0.5" is a number
    if abs(value) >= 10_000:
        assert "万" in text or "亿" in text, text


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.floats(min_value=0, max_value=1e12,
                                                                              allow_nan=False))
def test_the_rounding_rule_keeps_the_order_of_numbers(a, b):
    low, high = sorted((a, b))
    for fmt in (format_count, format_average):
        assert parse_zh(fmt(low, "zh-CN")) <= parse_zh(fmt(high, "zh-CN"))
    assert parse_zh(format_yuan(low, "zh-CN")) <= parse_zh(format_yuan(high, "zh-CN"))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e4, max_value=1e12, allow_nan=False))
def test_every_number_in_wan_or_yi_has_exactly_two_decimals(value):
    assert re.fullmatch(r"[\d,]+\.\d\d[万亿]", format_count(value, "zh-CN"))


@pytest.mark.parametrize(("kind", "change", "pct", "zh", "en"), [
    ("rate", -0.0004, None, "持平", "no change"),
    ("rate", 0.0, None, "持平", "no change"),
    ("rate", -0.0123, None, "▼ 1.2 个百分点", "▼ 1.2 pp"),
    ("count", -1, -0.0004, "持平", "no change"),
    ("count", 5, 0.1234, "▲ 12.3%", "▲ 12.3%"),
    ("count", 3, None, "▲ 3", "▲ 3"),
    ("yuan", -20_000, None, "▼ 2.00万元", "▼ ¥20,000"),
    ("average", 0.04, None, "持平", "no change"),
])
def test_a_change_that_reads_as_zero_is_no_change(kind, change, pct, zh, en):
    assert format_change(kind, change, pct, "zh-CN") == zh
    assert format_change(kind, change, pct, "en") == en


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(KINDS), numbers, st.one_of(st.none(), st.floats(min_value=-10, max_value=10,
                                                                         allow_nan=False)))
def test_no_change_and_the_arrow_agree(kind, change, pct):
    for lang in ("zh-CN", "en"):
        text = format_change(kind, change, pct, lang)
        assert "-0.0" not in text and " 0.0%" not in text and " 0.0 " not in text, text
        assert (text in ("持平", "no change")) == is_no_change(kind, change, pct)
        assert text[0] in "▲▼" or is_no_change(kind, change, pct)


def test_signed_changes_in_published_tables():
    assert format_signed_change("pct", -0.0004, "zh-CN") == "持平"
    assert format_signed_change("points", -0.0004, "en") == "no change"
    assert format_signed_change("pct", 0.125, "en") == "+12.5%"
    assert format_signed_change("points", -0.03, "zh-CN") == "-3.0个百分点"
    assert format_percent(-0.0001, "zh-CN") == "0.0%"


def test_one_text_for_a_deadline():
    assert format_deadline(8, "zh-CN") == "剩余 8 分钟"
    assert format_deadline(-12, "zh-CN") == "已超时 12 分钟"
    assert format_deadline(-190, "en") == "3 h 10 min overdue"
    assert format_deadline(0, "en") == "0 min left"
    assert format_span(-1440 * 2 - 60, "en") == "2 d 1 h"


def test_nice_steps():
    assert nice_step(100, 5) == 20 and nice_step(0.8, 4) == 0.2 and nice_step(4, 5, whole=True) == 1
    assert nice_step(0, 5) == 1.0 and nice_step(123_456, 5) == 25_000


@pytest.mark.parametrize(("values", "kind", "texts"), [
    ([0, 46_000], "count", ["0", "1.00万", "2.00万", "3.00万", "4.00万", "5.00万"]),
    ([5_340_657_491], "yuan", ["0元", "20.00亿元", "40.00亿元", "60.00亿元"]),
    ([0.05, 0.93], "rate", ["0%", "20%", "40%", "60%", "80%", "100%"]),
    ([0.001, 0.004], "rate", ["0.0%", "0.1%", "0.2%", "0.3%", "0.4%"]),
    ([1, 3], "count", ["0", "1", "2", "3"]),
])
def test_value_axes_are_written_by_the_same_formatters(values, kind, texts):
    axis = value_axis(values, kind, "zh-CN")
    assert axis["ticktext"] == texts and axis["exponentformat"] == "none"
    assert len(axis["tickvals"]) == len(texts) and axis["tickvals"][0] <= min(0, *values)
    assert axis["tickvals"][-1] >= max(values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e11, allow_nan=False), min_size=1, max_size=6),
       st.sampled_from(KINDS), st.sampled_from(("zh-CN", "en")))
def test_value_axes_never_use_si_and_cover_the_values(values, kind, lang):
    axis = value_axis(values, kind, lang)
    assert axis["exponentformat"] == "none" and "tickformat" not in axis
    assert not any(SI.search(text) for text in axis["ticktext"]), axis["ticktext"]
    assert axis["tickvals"] == sorted(axis["tickvals"]) and axis["tickvals"][-1] >= max(values)
    assert 2 <= len(axis["tickvals"]) <= 12
    if lang == "zh-CN" and kind in ("count", "yuan") and max(axis["tickvals"]) >= 10_000:
        assert any("万" in t or "亿" in t for t in axis["ticktext"])


def test_an_axis_without_values_still_writes_no_si():
    assert value_axis([None, math.nan], "count", "zh-CN") == {"exponentformat": "none",
                                                              "separatethousands": True}
    assert value_axis([], "rate", "en")["tickformat"] == ".0%"
    colour_bar = value_axis([545.6, 546.4], "average", "zh-CN", ticks=4, from_zero=False)
    assert colour_bar["ticktext"] == ["545.6", "545.8", "546.0", "546.2", "546.4"]
