"""Numbers for people: 万 / 亿 in Chinese, thousands separators in English."""

from __future__ import annotations

import pandas as pd

from dashboard.i18n import normalize, translate


def _trim(value: float, digits: int, grouping: str = "") -> str:
    text = f"{value:{grouping}.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_count(value: float | int | None, lang: str) -> str:
    """A count: 12.3万 / 1.2亿 in zh (from 10,000 up), 123,456 in en."""
    if value is None:
        return "—"
    lang = normalize(lang)
    if lang == "zh-CN":
        if abs(value) >= 1e8:
            return _trim(value / 1e8, 2) + "亿"
        if abs(value) >= 1e4:
            return _trim(value / 1e4, 2) + "万"
        return _trim(value, 0, ",")
    return f"{round(value):,}"


def format_yuan(value: float | int | None, lang: str) -> str:
    """An amount of money in yuan: 56.3万元 / 5.63亿元 in zh, ¥563,000 in en."""
    if value is None:
        return "—"
    return translate("unit.yuan_amount", lang, amount=format_count(value, lang))


def format_percent(value: float | None, lang: str, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


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
        return format_count(round(float(value), 1), lang)
    return format_count(value, lang)


def format_change(kind: str, change, pct, lang: str) -> str:
    """▲ / ▼ and the change: in percent, in points for rates, absolute when the base was 0."""
    if is_missing(change):
        return "—"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    if change == 0:
        return arrow
    if kind == "rate":
        points = abs(change) * 100
        return f"{arrow} {translate('unit.points', lang, n=f'{points:.1f}' if points >= 0.05 else '<0.1')}"
    if not is_missing(pct):
        return f"{arrow} {abs(pct) * 100:.1f}%"
    return f"{arrow} {format_value(kind, abs(change), lang)}"
