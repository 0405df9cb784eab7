"""Published tables: values that passed disclosure control, and how each reads in either language.

A ``Value`` is a number with its status: ``published``; ``primary`` (a
count from 1 to threshold-1, shown "<5"; an amount, rate or percentile of
too few cases, shown "x"); ``secondary`` (suppressed so that a small cell
cannot be worked out, shown "x"); ``undefined`` (no base, shown "—");
``immature`` (a change of a rate whose cohort is too young to compare,
shown "not yet comparable": docs/metrics.md, "Fair comparisons").  The
number of a value that is not published is dropped here, so nothing
downstream (screen, file, API) can leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.i18n import LANGUAGES, translate
from dashboard.i18n.numbers import format_signed_change, format_value

PUBLISHED, PRIMARY, SECONDARY, UNDEFINED = "published", "primary", "secondary", "undefined"
IMMATURE = "immature"


@dataclass(frozen=True)
class Value:
    value: float | int | None
    status: str
    kind: str  # count, yuan, rate, average, minutes, pct, points

    @classmethod
    def of(cls, value, status: str, kind: str) -> Value:
        if status == PUBLISHED and value is None:
            status = UNDEFINED
        if isinstance(value, float):
            value = round(value, 6)
        return cls(value if status == PUBLISHED else None, status, kind)

    def as_dict(self) -> dict:
        return {"value": self.value, "status": self.status}


def text(key: str, **params) -> dict[str, str]:
    """A message in every language."""
    return {lang: translate(key, lang, **params) for lang in LANGUAGES}


@dataclass
class Row:
    code: str
    label: dict[str, str]
    values: list[Value]
    total: bool = False


@dataclass
class Column:
    code: str
    label: dict[str, str]
    kind: str


@dataclass
class Table:
    code: str  # figures, fraud_types, outcomes, trend
    title: dict[str, str]
    row_header: dict[str, str]
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    def as_dict(self, lang: str, threshold: int) -> dict:
        return {
            "id": self.code, "title": self.title[lang],
            "columns": [{"id": c.code, "label": c.label[lang], "kind": c.kind} for c in self.columns],
            "rows": [{"id": r.code, "label": r.label[lang], "total": r.total,
                      "cells": [dict(v.as_dict(), shown_as=display(v, lang, threshold))
                                for v in r.values]}
                     for r in self.rows],
        }


def display(value: Value, lang: str, threshold: int) -> str:
    """How a value reads in a table, a chart or a file's "shown as": "<5", "x", "—", or the number.

    The number is written by the dashboard's own formatters (``format_value``:
    "53.41亿元", "1.23万" in Chinese), so a table never shows 5,340,657,491
    beside the sentence's 53.41亿元; a change that reads as 0.0 is "持平".
    The files keep the exact number beside it.
    """
    if value.kind == "date":
        return str(value.value) if value.value else "—"
    if value.status == PRIMARY and value.kind == "count":
        return f"<{threshold}"
    if value.status in (PRIMARY, SECONDARY):
        return "x"
    if value.status == IMMATURE:
        return translate("compare.not_comparable", lang)
    if value.status == UNDEFINED or value.value is None:
        return "—"
    if value.kind in ("count", "yuan", "rate", "average", "minutes"):
        return format_value(value.kind, value.value, lang)
    if value.kind in ("pct", "points"):
        return format_signed_change(value.kind, value.value, lang)
    raise ValueError(f"unknown kind {value.kind!r}")


def number_format(kind: str) -> str:
    """The spreadsheet number format of a kind."""
    return {"count": "#,##0", "yuan": "#,##0", "minutes": "#,##0", "average": "#,##0.0",
            "rate": "0.0%", "date": "@", "pct": "+0.0%;-0.0%;0.0%", "points": "+0.000;-0.000;0.000"}[kind]
