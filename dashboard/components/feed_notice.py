"""The live panel's notice of silent feeds: "feed silent since 10:05", naming the source.

Shown at the top of the live counters of the overview and the wall while a
source that feeds the unit in view is silent (``dashboard.metrics.feeds``),
so that a zero under it is not read as a calm hour.  Ids:
``<prefix>-live-feed-silent`` for the notice, one line a source.
"""

from __future__ import annotations

from datetime import datetime

from dash import html

from dashboard.domain.base import SHANGHAI
from dashboard.i18n import t


def since_text(since: datetime | None, at: datetime) -> str:
    """``10:05`` on the day of ``at``, else ``11-21 10:05`` (Shanghai time); ``—`` for none."""
    if since is None:
        return "—"
    since = since.astimezone(SHANGHAI)
    same_day = since.date() == at.astimezone(SHANGHAI).date()
    return since.strftime("%H:%M" if same_day else "%m-%d %H:%M")


def _duration(since: datetime | None, at: datetime, lang: str) -> str:
    if since is None:
        return ""
    minutes = max(int((at - since).total_seconds() // 60), 0)
    if minutes < 120:
        return t("feeds.duration.minutes", lang, minutes=minutes)
    return t("feeds.duration.hours", lang, hours=minutes // 60, minutes=minutes % 60)


def feed_notice(live: dict, lang: str, id_prefix: str) -> html.Div | None:
    """The notice for ``live["silent"]``, or None when no feed of the unit is silent."""
    silent = live.get("silent") or []
    if not silent:
        return None
    at = live["at"]
    lines = [html.Div([
        html.Span(t("feeds.notice.title", lang, time=since_text(s["since"], at)), className="fw-bold"),
        " · ", html.Span(t("feeds.notice.source", lang, source=s["source"]), className="live-feed-source"),
        " ", html.Span(_duration(s["since"], at, lang), className="live-feed-duration"),
    ]) for s in silent]
    return html.Div([*lines, html.Div(t("feeds.notice.hint", lang), className="live-feed-hint")],
                    className="live-feed-silent", id=f"{id_prefix}-live-feed-silent", role="alert")
