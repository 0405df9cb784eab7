"""Anomaly flags for the overview and the queue: units whose warnings surge or whose dissuasion fails more.

Input is ``dashboard.metrics.anomalies.anomaly_flags``.  ``anomaly_section``
is the place of the flags and an interval; the page's own callback fills it
as soon as the page arrives (its first call) and redraws it every
``REFRESH_SECONDS``; ``anomaly_items`` is what that callback returns (the
``SHOWN`` most severe flags with the rest folded under "and N more", or one
quiet line saying none were found).  The flags depend on the
scope and the clock, not on the period in view, so the view itself is drawn
without waiting for them.  Each unit links to ``href(code)`` (the overview
of that unit by default).
"""

from __future__ import annotations

from collections.abc import Callable

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard.i18n import name_of, t
from dashboard.i18n.numbers import format_value
from dashboard.metrics import anomalies as method
from dashboard.metrics.anomalies import DROP_BASELINE_DAYS, DROP_RECENT_DAYS, SPIKE_HOURS

REFRESH_SECONDS = 300
SHOWN = 3  # the most severe flags listed; the rest fold under "and N more"


def method_text(lang: str) -> str:
    """The rule behind the flags, with the thresholds in force (docs/anomalies.md)."""
    return t("anomalies.method", lang, hours=SPIKE_HOURS, weeks=method.BASELINE_WEEKS,
             min_count=method.MIN_SPIKE_WARNINGS, ratio=f"{method.SPIKE_RATIO:g}",
             alpha=f"{method.SPIKE_ALPHA * 100:g}%", days=DROP_RECENT_DAYS, baseline_days=DROP_BASELINE_DAYS,
             min_closed=method.MIN_CLOSED, drop=f"{method.MIN_DROP * 100:g}", z=f"{method.DROP_Z:g}")


def overview_href(code: str) -> str:
    return f"/?unit={code}"


def _line(row: dict, lang: str, href: Callable[[str], str]) -> html.Li:
    unit = dcc.Link(name_of(row, lang), href=href(row["code"]), className="alert-link")
    if row["kind"] == "volume":
        text = t("anomalies.volume", lang, hours=SPIKE_HOURS,
                 observed=format_value("count", row["observed"], lang),
                 expected=f"{float(row['expected']):.1f}",
                 ratio="—" if row["change"] is None or pd.isna(row["change"]) else f"{float(row['change']):.1f}")
    else:
        text = t("anomalies.success", lang, days=DROP_RECENT_DAYS, baseline_days=DROP_BASELINE_DAYS,
                 observed=format_value("rate", row["observed"], lang),
                 expected=format_value("rate", row["expected"], lang),
                 points=f"{float(row['change']) * 100:.1f}")
    return html.Li([html.Span(t(f"anomalies.kind.{row['kind']}", lang), className="badge text-bg-danger me-2"),
                    unit, " ", text], className="mb-1")


def anomaly_items(flags: pd.DataFrame, lang: str, href: Callable[[str], str] = overview_href):
    """The flags as a short alert, or a quiet line when there are none.

    The ``SHOWN`` most severe (``most_severe_first``) are listed; the rest
    wait, folded, under "and N more", in a box of bounded height, so the
    alert never pushes the page's figures off the first screen.
    """
    if flags.empty:
        return html.Div(t("anomalies.none", lang, hours=SPIKE_HOURS, days=DROP_RECENT_DAYS),
                        className="small text-muted", title=method_text(lang))
    rows = method.most_severe_first(flags).to_dict("records")
    head, rest = rows[:SHOWN], rows[SHOWN:]
    parts = [html.Div([t("anomalies.title", lang, n=len(rows)),
                       *([html.Span(" · " + t("anomalies.shown", lang, shown=SHOWN), className="fw-normal small")]
                         if rest else [])], className="fw-semibold mb-1", title=method_text(lang)),
             html.Ul([_line(row, lang, href) for row in head], className="mb-0 ps-3", id="anomalies-shown")]
    if rest:
        parts.append(html.Details([
            html.Summary(t("anomalies.more", lang, n=len(rest)), className="small", id="anomalies-more"),
            html.Ul([_line(row, lang, href) for row in rest], className="mb-0 ps-3 anomalies-rest",
                    id="anomalies-rest"),
        ], open=False, className="mt-1"))
    return dbc.Alert(parts, color="danger", className="py-2 mb-0 anomalies-box")


def anomaly_section(id_prefix: str) -> html.Div:
    """The flags' place, filled by the page's callback on arrival and every ``REFRESH_SECONDS``.

    Ids ``<prefix>-anomalies`` (the flags) and ``<prefix>-anomalies-tick``
    (the interval, the callback's input: its first call comes with the page).
    """
    return html.Div([
        dcc.Interval(id=f"{id_prefix}-anomalies-tick", interval=REFRESH_SECONDS * 1000),
        html.Div(id=f"{id_prefix}-anomalies"),
    ], className="mb-3")
