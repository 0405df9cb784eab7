"""Numbers for people: 万 / 亿 in Chinese, thousands separators in English.

The rules (``docs/metrics.md``, *How numbers read*):

- **One rounding rule.** In Chinese a count or an amount below 10,000 is a
  whole number with separators ("9,999"); from 10,000 it is in 万, from
  100,000,000 in 亿, always with **two decimals** ("2.00万", "1.99万",
  "53.41亿"): trailing zeros are never dropped, so "2万" never sits beside
  "1.99万".  The unit is chosen on the rounded value (9,999.6 is "1.00万",
  not "10,000").  English writes whole numbers with separators ("19,900").
  An average has one decimal in both languages ("12.0"), percentages one
  decimal ("12.5%").
- **One rule for "no change".** A change that rounds to zero at the
  precision it is shown with (one decimal of a percent, of a percentage
  point, or the value's own rounding) *is* no change: "持平" / "no change",
  never "-0.0%" or "▼ 0.0 个百分点"; ``is_no_change`` decides, and the
  arrow and the colour (``dashboard.metrics.compare``) follow it.
- **One text for a deadline.** ``format_deadline`` gives "剩余 8 分钟" /
  "已超时 12 分钟" from the whole minutes to the deadline
  (``dashboard.domain.deadlines.minutes_to_deadline``).
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard.i18n import normalize, translate

WAN, YI = 10_000, 100_000_000
SCALE_DIGITS = 2      # decimals of a number in 万 or 亿
AVERAGE_DIGITS = 1    # decimals of an average (per day, per 10,000 residents)
PERCENT_DIGITS = 1    # decimals of a percentage, a percentage point, a change in percent


def _rounds_to_zero(number: float, digits: int) -> bool:
    """Whether ``number`` reads as zero when written with ``digits`` decimals (as it is shown)."""
    return float(f"{abs(number):.{digits}f}") == 0


def _zh_scaled(value: float, digits: int) -> str:
    """``value`` in 万 / 亿 with ``SCALE_DIGITS`` decimals from 10,000 up, else with ``digits``."""
    size = abs(value)
    if round(size / WAN, SCALE_DIGITS) >= WAN:
        return f"{value / YI:,.{SCALE_DIGITS}f}亿"
    if round(size, digits) >= WAN:
        return f"{value / WAN:.{SCALE_DIGITS}f}万"
    return f"{value:,.{digits}f}"


def _number(value: float, lang: str, digits: int) -> str:
    value = 0.0 if _rounds_to_zero(float(value), digits) else float(value)  # never "-0" or "-0.0"
    if normalize(lang) == "zh-CN":
        return _zh_scaled(value, digits)
    return f"{value:,.{digits}f}"


def format_count(value: float | int | None, lang: str) -> str:
    """A count: 12.30万 / 1.20亿 in zh (from 10,000 up), 123,456 in en."""
    if value is None:
        return "—"
    return _number(value, lang, 0)


def format_average(value: float | None, lang: str) -> str:
    """An average with one decimal: 12.5, 1.23万 in zh from 10,000 up."""
    if value is None:
        return "—"
    return _number(value, lang, AVERAGE_DIGITS)


def format_yuan(value: float | int | None, lang: str) -> str:
    """An amount of money in yuan: 56.30万元 / 5.63亿元 in zh, ¥563,000 in en."""
    if value is None:
        return "—"
    return translate("unit.yuan_amount", lang, amount=format_count(value, lang))


def format_percent(value: float | None, lang: str, digits: int = PERCENT_DIGITS) -> str:
    if value is None:
        return "—"
    percent = 0.0 if _rounds_to_zero(value * 100, digits) else value * 100
    return f"{percent:.{digits}f}%"


# A KPI's value and change as the cards, tables and exports show them (kind: count, yuan, rate, ...)
def is_missing(value) -> bool:
    """None, NaN, NA or NaT: a figure that is not there."""
    return value is None or (not isinstance(value, str) and pd.isna(value))


def format_value(kind: str, value, lang: str) -> str:
    """A KPI value for people: counts in 万/亿, yuan, percentages, minutes."""
    if is_missing(value):
        return "—"
    if kind == "yuan":
        return format_yuan(value, lang)
    if kind == "rate":
        return format_percent(value, lang)
    if kind == "minutes":
        return translate("unit.minutes", lang, n=format_count(value, lang))
    if kind == "average":
        return format_average(float(value), lang)
    return format_count(value, lang)


def is_no_change(kind: str, change, pct) -> bool:
    """Whether a change reads as none where it is shown: 0, or rounded to 0 at the shown precision.

    Rates change in percentage points (one decimal), other figures in percent
    of the earlier value (one decimal), or, with no earlier value, by the
    value itself (``format_value``'s rounding).  A missing change is not "no change".
    """
    if is_missing(change):
        return False
    if change == 0:
        return True
    if kind == "rate":
        return _rounds_to_zero(float(change) * 100, PERCENT_DIGITS)
    if not is_missing(pct):
        return _rounds_to_zero(float(pct) * 100, PERCENT_DIGITS)
    digits = AVERAGE_DIGITS if kind == "average" else 0
    return _rounds_to_zero(float(change), digits)


def format_change(kind: str, change, pct, lang: str) -> str:
    """▲ / ▼ and the change: in percent, in points for rates, absolute when the base was 0.

    A change that reads as zero (``is_no_change``) is "持平" / "no change".
    """
    if is_missing(change):
        return "—"
    if is_no_change(kind, change, pct):
        return translate("change.none", lang)
    arrow = "▲" if change > 0 else "▼"
    if kind == "rate":
        points = f"{abs(change) * 100:.{PERCENT_DIGITS}f}"
        return f"{arrow} {translate('unit.points', lang, n=points)}"
    if not is_missing(pct):
        return f"{arrow} {abs(pct) * 100:.{PERCENT_DIGITS}f}%"
    return f"{arrow} {format_value(kind, abs(change), lang)}"


def format_signed_change(kind: str, change, lang: str) -> str:
    """A change in a table of published figures: "+12.5%", "-3.0 个百分点", or "持平" when it reads as 0.

    ``kind``: "pct" (a fraction of the earlier value) or "points" (a rate's change).
    """
    if is_missing(change):
        return "—"
    if _rounds_to_zero(float(change) * 100, PERCENT_DIGITS):
        return translate("change.none", lang)
    number = f"{float(change) * 100:+.{PERCENT_DIGITS}f}"
    return translate("statistics.points", lang, n=number) if kind == "points" else number + "%"


# Spans of time and deadlines: the queue, the warning page and the task pages say them alike
def format_span(minutes: int, lang: str) -> str:
    """``2 d 3 h``, ``3 h 10 min`` or ``25 min`` (the sign is dropped)."""
    days, rest = divmod(abs(int(minutes)), 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return (translate("tasks.span.days", lang, days=days, hours=hours) if hours
                else translate("tasks.span.whole_days", lang, days=days))
    if hours:
        return (translate("tasks.span.hours", lang, hours=hours, minutes=mins) if mins
                else translate("tasks.span.whole_hours", lang, hours=hours))
    return translate("tasks.span.minutes", lang, minutes=mins)


def format_deadline(minutes_left: int, lang: str) -> str:
    """"剩余 25 分钟" / "25 min left", or "已超时 3 小时 10 分钟" / "3 h 10 min overdue" when negative.

    ``minutes_left`` comes from ``dashboard.domain.deadlines.minutes_to_deadline``.
    """
    span = format_span(minutes_left, lang)
    if minutes_left >= 0:
        return translate("tasks.remaining.left", lang, span=span)
    return translate("tasks.remaining.over", lang, span=span)


# Value axes: the ticks are computed here and written by the same formatters as the values
def nice_step(span: float, ticks: int = 5, whole: bool = False) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts ``span`` into about ``ticks`` parts."""
    raw = span / ticks if math.isfinite(span) else 0.0
    if raw < 1e-9:  # nothing to cut (or less than any shown digit): one step of 1
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return max(step, 1.0) if whole else step


def _decimals(step: float) -> int:
    """The fewest decimals that write every multiple of ``step`` exactly (at most 6)."""
    return next((d for d in range(7) if abs(round(step * 10 ** d) - step * 10 ** d) < 1e-6), 6)


def tick_text(kind: str, value: float, lang: str, step: float) -> str:
    """One tick of a value axis: ``format_value``'s text; a rate in whole percents where the step allows."""
    if kind == "rate":
        percent = round(value * 100, 6)
        digits = _decimals(step * 100)
        return f"{0.0 if _rounds_to_zero(percent, digits) else percent:.{digits}f}%"
    return format_value(kind, value, lang)


MIN_STEPS = {"rate": 0.001, "average": 0.1}


def value_axis(values, kind: str, lang: str, ticks: int = 5, from_zero: bool = True) -> dict:
    """Plotly axis settings for ``values`` of ``kind``: ticks placed and written on the server.

    Never plotly's own k / M / G (SI) labels: the tick texts are
    ``format_value``'s ("0", "2.00万", "4.00万" in zh; "20,000" in en;
    "20%" for rates), the same as the hover and the tables.  The ticks run
    from 0 (or below, for negative values) past the largest value; with
    ``from_zero=False`` (a colour bar) over the values' own range.
    """
    numbers = [float(v) for v in values if not is_missing(v) and math.isfinite(float(v))]
    axis = {"exponentformat": "none", "separatethousands": True}
    if not numbers:
        return {**axis, "tickformat": ".0%"} if kind == "rate" else axis
    low, high = (min(0.0, *numbers), max(0.0, *numbers)) if from_zero else (min(numbers), max(numbers))
    whole = kind in ("count", "yuan", "minutes")
    finest = MIN_STEPS.get(kind, 1.0)  # no step finer than the values are written (0.1%, 0.1, 1)
    step = max(nice_step(high - low, ticks, whole=whole), finest) if high > low else finest * 10
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    last = max(last, first + 1)
    tickvals = [round(i * step, 10) for i in range(first, last + 1)]
    tickvals = [int(v) if whole and float(v).is_integer() else v for v in tickvals]
    return {**axis, "tickmode": "array", "tickvals": tickvals,
            "ticktext": [tick_text(kind, v, lang, step) for v in tickvals]}
