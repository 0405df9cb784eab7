"""A warning's clock drawn as a race against time: its steps, the gaps, the deadline.

Built from ``dashboard.metrics.warning_timeline``; each step shows its time
(or that the time was not recorded), the time since the step before it and
since the warning came in.  The response deadline is drawn where it falls
among the steps, red when it was missed.  Component ids start with
``warning-``.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import t
from dashboard.i18n.numbers import format_deadline, format_span, format_yuan
from dashboard.metrics.warning_timeline import Deadline, Timeline
from dashboard.web.badges import badge

DEADLINE_COLORS = {"met": "success", "missed": "danger", "running": "warning"}
TIME_FORMAT = "%m-%d %H:%M:%S"


def deadline_badge(deadline: Deadline, lang: str) -> dbc.Badge:
    """"Deadline 10:15 · met (3 min early)", "· 12 min overdue" or "· 8 min left" (``format_deadline``)."""
    at = deadline.at.strftime("%H:%M")
    if deadline.state == "met":
        text = t("timeline.deadline.met", lang, at=at, span=format_span(deadline.minutes, lang))
    else:  # the queue's words and minutes: "已超时 12 分钟" / "剩余 8 分钟"
        minutes_left = deadline.minutes if deadline.state == "running" else -deadline.minutes
        text = t(f"timeline.deadline.{deadline.state}", lang, at=at,
                 status=format_deadline(minutes_left, lang))
    return badge(text, color=DEADLINE_COLORS[deadline.state], className="fs-6 text-wrap",
                 id="warning-deadline")


def _detail(step: dict, names: dict[str, dict[str, str]], lang: str) -> list:
    kind = step["step"]
    parts: list = []
    if kind == "attempt":
        parts = [names["method"].get(step["method"], step["method"]),
                 step["officer"] or t("timeline.officer_unknown", lang),
                 names["result"].get(step["result"], step["result"])]
    elif kind == "outcome":
        parts = [names["outcome"].get(step["outcome"], step["outcome"])]
        if step["amount"]:
            parts.append(t("timeline.loss_avoided", lang, amount=format_yuan(step["amount"], lang)))
        if step["loss"]:
            parts.append(t("timeline.loss", lang, amount=format_yuan(step["loss"], lang)))
    elif kind.startswith("stop_"):
        parts = [format_yuan(step["amount"] or 0, lang), f"{step['bank']} {step['account']}"]
    elif kind.startswith("case_"):
        parts = [step["case_number"]]
        if kind == "case_reported" and step["amount"]:
            parts.append(t("timeline.loss", lang, amount=format_yuan(step["amount"], lang)))
    return [" · ".join(str(p) for p in parts if p)] if parts else []


def _item(step: dict, names, lang: str, index: int) -> html.Li:
    if step["recorded"]:
        when = html.Span(step["at"].strftime(TIME_FORMAT), className="timeline-time")
    else:
        when = html.Span(t("timeline.not_recorded", lang), className="timeline-time text-muted")
    clock = []
    if step["minutes_since_previous"] is not None and step["step"] != "received":
        clock.append(t("timeline.after", lang, span=format_span(step["minutes_since_previous"], lang)))
    if step["minutes_since_received"] is not None and step["step"] != "received":
        clock.append(t("timeline.since_received", lang,
                       span=format_span(step["minutes_since_received"], lang)))
    note = html.Div(step["note"], className="small text-muted timeline-note") if step["note"] else None
    return html.Li([
        html.Div([html.Strong(t(f"timeline.step.{step['step']}", lang), className="me-2"), when],
                 className="d-flex flex-wrap align-items-baseline"),
        html.Div(_detail(step, names, lang), className="small"),
        html.Div(" · ".join(clock), className="small timeline-clock") if clock else None,
        note,
    ], className=f"timeline-step timeline-{step['step']}", id=f"warning-step-{index}")


def _deadline_item(deadline: Deadline, lang: str) -> html.Li:
    return html.Li([html.Strong(t("timeline.deadline", lang), className="me-2"),
                    html.Span(deadline.at.strftime(TIME_FORMAT), className="timeline-time")],
                   className=f"timeline-step timeline-deadline timeline-deadline-{deadline.state}",
                   id="warning-step-deadline")


def timeline_view(timeline: Timeline, names: dict[str, dict[str, str]], lang: str) -> html.Div:
    """The steps in the chain's order, with the deadline drawn before the first later step."""
    items, placed = [], False
    deadline = timeline.deadline
    for index, step in enumerate(timeline.steps.to_dict("records")):
        if not placed and step["at"] is not None and step["at"] > deadline.at:
            items.append(_deadline_item(deadline, lang))
            placed = True
        items.append(_item(step, names, lang, index))
    if not placed and (not timeline.is_open or deadline.at <= timeline.now):
        items.append(_deadline_item(deadline, lang))
        placed = True
    if timeline.is_open:  # the clock still runs: where it stands now
        since = t("timeline.since_received", lang, span=format_span(timeline.elapsed, lang))
        items.append(html.Li([html.Strong(t("timeline.now", lang), className="me-2"),
                              html.Span(timeline.now.strftime(TIME_FORMAT), className="timeline-time"),
                              html.Div(since, className="small timeline-clock")],
                             className="timeline-step timeline-now", id="warning-step-now"))
    if not placed:
        items.append(_deadline_item(deadline, lang))
    return html.Div([html.H5(t("timeline.title", lang)),
                     html.Ol(items, className="warning-timeline", id="warning-timeline")])
