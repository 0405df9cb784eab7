"""The warning queue's table: one page of ``dashboard.metrics.queue`` rows, sortable headers.

On a wide screen it is a table; on a phone (``assets/queue.css``) each row
becomes a card whose cells carry their column's name (``data-label``).
Component ids start with ``queue-``.  Only presentation: the rows were read
for the logged-in user's scope, with personal data already masked.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_count, format_deadline, format_span, format_yuan
from dashboard.web.badges import badge

# (column, the sort key its header sets, or None)
COLUMNS = (("risk_level", "urgency"), ("warning", "received_at"), ("fraud_type", "fraud_type"),
           ("channel", None), ("person", None), ("amount_at_risk", "amount_at_risk"),
           ("station", "station"), ("waited", "waited"), ("time_left", "time_left"),
           ("status", "status"))
SORT_KEYS = frozenset(key for _, key in COLUMNS if key)
RISK_COLORS = {"high": "danger", "medium": "warning", "low": "secondary"}
DEFAULT_SORT = {"key": "urgency", "desc": False}


def code_names(session: Session, model, lang: str) -> dict[str, str]:
    """``{code: name}`` of a reference list, in its sort order."""
    return {row.code: name_of(row, lang)
            for row in session.scalars(select(model).order_by(model.sort_order))}


def clean_sort(sort) -> dict:
    """The sort the browser holds, if it names a sortable column; else urgency."""
    if isinstance(sort, dict) and sort.get("key") in SORT_KEYS:
        return {"key": sort["key"], "desc": bool(sort.get("desc"))}
    return dict(DEFAULT_SORT)


def _header(column: str, key: str | None, sort: dict, lang: str) -> html.Th:
    label = t(f"queue.column.{column}", lang)
    if key is None:
        return html.Th(label)
    arrow = (" ▼" if sort["desc"] else " ▲") if sort["key"] == key else ""
    return html.Th(html.Button(label + arrow, id={"type": "queue-sort", "column": key},
                               className="btn btn-link btn-sm p-0 queue-sort"),
                   **{"aria-sort": ("descending" if sort["desc"] else "ascending")
                      if sort["key"] == key else "none"})


def _time_left(row: dict, lang: str):
    if row["first_contact_at"] is not None:
        return html.Span(t("queue.contacted", lang, at=row["first_contact_at"].strftime("%H:%M")),
                         className="text-success")
    minutes = int(row["minutes_left"])
    text = format_deadline(minutes, lang)
    return text if minutes >= 0 else html.Strong(text, className="text-danger")


def _row(row: dict, names: dict[str, dict[str, str]], lang: str) -> html.Tr:
    def cell(column: str, value) -> html.Td:
        return html.Td(value, **{"data-label": t(f"queue.column.{column}", lang)})

    station = name_of({"name_zh": row["station_zh"], "name_en": row["station_en"]}, lang)
    risk = badge(names["risk"].get(row["risk_level"], row["risk_level"]),
                 color=RISK_COLORS.get(row["risk_level"], "dark"))
    warning = [dcc.Link(f"#{row['id']}", href=f"/warnings/{row['id']}", id=f"queue-link-{row['id']}",
                        className="fw-semibold"), " ",
               html.Small(row["received_at"].strftime("%m-%d %H:%M"), className="text-muted")]
    return html.Tr([
        cell("risk_level", risk), cell("warning", warning),
        cell("fraud_type", names["fraud_type"].get(row["fraud_type"], row["fraud_type"])),
        cell("channel", names["channel"].get(row["channel"], row["channel"])),
        cell("person", html.Span(row["person"], className="font-monospace")),
        cell("amount_at_risk", format_yuan(row["amount_at_risk"], lang)),
        cell("station", station),
        cell("waited", format_span(max(int(row["minutes_waited"]), 0), lang)),
        cell("time_left", _time_left(row, lang)),
        cell("status", names["status"].get(row["status"], row["status"])),
    ], id=f"queue-row-{row['id']}", className="queue-overdue" if row["overdue"] else None)


def queue_table(rows: pd.DataFrame, names: dict[str, dict[str, str]], sort: dict, lang: str):
    """The table of one page; ``names``: risk, fraud_type, channel, status code -> name."""
    if rows.empty:
        return html.P(t("queue.empty", lang), className="text-muted", id="queue-empty")
    head = html.Thead(html.Tr([_header(column, key, sort, lang) for column, key in COLUMNS]))
    body = html.Tbody([_row(row, names, lang) for row in rows.to_dict("records")])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, id="queue-table",
                     className="queue-table align-middle")


def queue_summary(total: int, overdue: int, offset: int, shown: int, at: datetime,
                  lang: str) -> str:
    """"1,234 open, 56 of them overdue; 51-100 shown (as of 10:32)"."""
    if not shown:
        return t("queue.summary_none", lang, total=format_count(total, lang),
                 at=at.strftime("%H:%M:%S"))
    first = offset + 1
    return t("queue.summary", lang, total=format_count(total, lang),
             overdue=format_count(overdue, lang), first=first, last=offset + shown,
             at=at.strftime("%H:%M:%S"))
