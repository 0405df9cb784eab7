"""Numbers for people: 万 / 亿 in Chinese, thousands separators in English."""

from __future__ import annotations

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
