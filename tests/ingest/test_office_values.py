"""Cells as office software writes them: times, amounts and coded values (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard.domain import SHANGHAI
from dashboard.ingest.headers import MappingError, parse_maps, resolve
from dashboard.ingest.office_values import CellError, office_amount, office_code, office_time

AT = "2026-12-06T14:05:00+08:00"


@pytest.mark.parametrize("value", [
    "2026/12/6 14:05", "2026-12-06 14:05:00", "2026-12-06T14:05", "2026年12月6日 14时05分",
    "2026年12月6日14:05", "２０２６/１２/６ １４:０５", "2026.12.06 14:05",
    "2026-12-06T14:05:00+08:00", "2026-12-06T06:05:00Z", "2026-12-06 14:05:00+08:00", datetime(2026, 12, 6, 14, 5),
    46362.586805555555, "46362.586805555555",
])
def test_office_times_are_shanghai_time(value):
    text = office_time(value, SHANGHAI)
    assert datetime.fromisoformat(text) == datetime.fromisoformat(AT)


def test_a_time_without_zone_is_in_the_zone_of_the_import():
    assert office_time("2026/12/6 14:05", UTC) == "2026-12-06T14:05:00+00:00"


@pytest.mark.parametrize(("value", "reason"), [
    ("2026/02/30 09:00", "time_invalid"), ("2026/12/6", "time_without_time"),
    ("2026年12月6日", "time_without_time"), (46362, "time_without_time"),
    (date(2026, 12, 6), "time_without_time"), ("6/12/2026 14:05", "time_invalid"),
    ("yesterday", "time_invalid"), (12.5, "time_invalid"), ("2026-12-06T25:00+08:00", "time_invalid"),
])
def test_bad_times_are_refused_never_midnight(value, reason):
    with pytest.raises(CellError) as caught:
        office_time(value, SHANGHAI)
    assert caught.value.reason == reason and caught.value.example == "2026-12-06 14:05"


def test_a_date_cell_formatted_without_time_is_refused():
    with pytest.raises(CellError, match="time_without_time"):
        office_time(datetime(2026, 12, 6), SHANGHAI, date_only=True)


@pytest.mark.parametrize(("value", "multiplier", "expected"), [
    ("1,234.50", 1, "1234.5"), ("１２３４", 1, "1234"), ("￥1,234元", 1, "1234"), ("¥ 88", 1, "88"),
    ("12,345,678", 1, "12345678"), (50000.0, 1, "50000"), (1234, 1, "1234"), ("1.5", 10_000, "15000"),
    ("0.12345", 10_000, "1234.5"), ("0", 1, "0"),
])
def test_office_amounts(value, multiplier, expected):
    assert office_amount(value, multiplier) == expected


@pytest.mark.parametrize(("value", "reason"), [
    ("-5", "amount_negative"), ("(5)", "amount_negative"), ("－5", "amount_negative"),
    ("abc", "amount_invalid"), ("1,23", "amount_invalid"), ("1.2.3", "amount_invalid"),
    (-1.0, "amount_negative"), (True, "amount_invalid"),
])
def test_bad_amounts_are_refused(value, reason):
    with pytest.raises(CellError) as caught:
        office_amount(value)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("field", "value", "code"), [
    ("fraud_type", "刷单返利", "brushing_rebate"), ("fraud_type", "brushing_rebate", "brushing_rebate"),
    ("fraud_type", "order-brushing REBATES", "brushing_rebate"), ("risk_level", "高风险", "high"),
    ("risk_level", "高", "high"), ("risk_level", "High risk", "high"), ("channel", "涉诈电话", "call"),
])
def test_coded_values_by_name_or_code(field, value, code):
    assert office_code(field, value) == code


def test_an_unknown_name_is_refused_with_an_example():
    with pytest.raises(CellError) as caught:
        office_code("fraud_type", "不存在的类型")
    assert caught.value.reason == "code_unknown" and caught.value.example == "刷单返利"


def test_headers_in_chinese_english_and_mapped():
    assert resolve("接警时间", {}) == ("received_at", 1)
    assert resolve(" 预警时间 ", {}) == ("received_at", 1)
    assert resolve("派出所代码", {}) == ("station_code", 1)
    assert resolve("涉案金额（元）", {}) == ("amount_at_risk", 1)
    assert resolve("涉案金额（万元）", {}) == ("amount_at_risk", 10_000)
    assert resolve("Received_At", {}) == ("received_at", 1)
    maps = parse_maps(["受理时间=received_at", " 所 = station_code"])
    assert resolve("受理时间", maps) == ("received_at", 1)
    assert resolve("所", maps) == ("station_code", 1)
    for bad in ("受理时间", "=received_at", "13800000001=received_at"):
        with pytest.raises(MappingError):
            parse_maps([bad])
