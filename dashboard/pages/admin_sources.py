"""Sources (system administrators, ``manage_settings``): is every feed delivering, and how well.

One row per source that has an ingest token or delivered in the window of
the usual rate: its state (silent, learning, ok, quiet at this hour, revoked,
no token), when its last record arrived, the lag from event time to arrival
today (average and largest), its rate per hour today against its usual
rate for the same hours, the share of today's records refused, and its
tokens (active, revoked, last used).  Times are Asia/Shanghai.  Read only:
tokens are made and revoked with ``antifraud create-token`` /
``revoke-token``.  The method: ``dashboard.metrics.feeds``.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import current_language, t
from dashboard.i18n.numbers import format_percent, is_missing
from dashboard.metrics.feeds import sources_today
from dashboard.web.database import request_session
from dashboard.web.feed_status import silence_rule
from dashboard.web.guard import requires
from dashboard.web.login import now

PERMISSION = "manage_settings"
dash.register_page(__name__, path="/admin/sources", name="nav.sources", order=86,
                   permission=PERMISSION, title=lambda **_: t("nav.sources"))

COLUMNS = ("source", "state", "last_arrival", "lag_mean", "lag_max", "rate", "rejected", "tokens")
STATE_COLORS = {"silent": "danger", "learning": "info", "ok": "success", "quiet": "secondary",
                "revoked": "dark", "no_token": "light"}


def _time(value) -> str:
    return "—" if is_missing(value) else value.strftime("%Y-%m-%d %H:%M")


def _lag(seconds, lang: str) -> str:
    if is_missing(seconds):
        return "—"
    seconds = int(round(seconds))
    if seconds < 120:
        return t("sources.seconds", lang, n=seconds)
    if seconds < 7200:
        return t("sources.minutes", lang, n=seconds // 60)
    return t("sources.hours", lang, n=f"{seconds / 3600:,.1f}")


def _rate(value, lang: str) -> str:
    return "—" if is_missing(value) else f"{value:,.1f}"


def _row(r: dict, lang: str) -> html.Tr:
    state = html.Span(t(f"sources.state.{r['state']}", lang), id=f"sources-state-{r['source']}",
                      className=f"badge text-bg-{STATE_COLORS[r['state']]}")
    if r["state"] == "silent" and not is_missing(r["threshold_minutes"]):
        state = html.Div([state, html.Div(t("sources.limit", lang, minutes=int(r["threshold_minutes"])),
                                          className="small text-muted")])
    rate = t("sources.rate", lang, rate=_rate(r["rate_today"], lang), usual=_rate(r["usual_today"], lang))
    share = "—" if is_missing(r["rejected_share"]) else format_percent(r["rejected_share"], lang)
    rejected = t("sources.rejected_of", lang, share=share, rejected=r["rejected_today"],
                 total=r["rejected_today"] + r["arrived_today"])
    tokens = t("sources.tokens", lang, active=r["active_tokens"], revoked=r["revoked_tokens"],
               used=_time(r["token_last_used_at"]))
    return html.Tr([html.Td(r["source"], className="font-monospace"), html.Td(state),
                    html.Td(_time(r["last_arrival_at"])), html.Td(_lag(r["lag_mean_seconds"], lang)),
                    html.Td(_lag(r["lag_max_seconds"], lang)), html.Td(rate), html.Td(rejected),
                    html.Td(tokens)])


@requires(PERMISSION)
def layout(**_kwargs):
    lang = current_language()
    rule = silence_rule()
    at = now()
    frame = sources_today(request_session(), at, rule)
    if frame.empty:
        table = dbc.Alert(t("sources.none", lang), color="secondary", id="sources-none")
    else:
        head = html.Thead(html.Tr([html.Th(t(f"sources.column.{c}", lang)) for c in COLUMNS]))
        table = dbc.Table([head, html.Tbody([_row(r, lang) for r in frame.to_dict("records")])],
                          striped=True, size="sm", responsive=True, id="sources-table")
    return html.Div([
        html.H4(t("sources.title", lang)),
        html.P(t("sources.help", lang, factor=f"{rule.factor:g}", floor=rule.floor_minutes, days=rule.days),
               className="text-muted"),
        html.Div(t("sources.as_of", lang, time=at.strftime("%Y-%m-%d %H:%M")), className="small text-muted mb-2"),
        table,
    ], id="sources-page")
