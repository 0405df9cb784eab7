"""The silence watch in the web process: its settings, the live panel's notice, ``/healthz``'s list.

``init_app`` checks ``FEED_SILENCE_FACTOR``, ``FEED_SILENCE_FLOOR_MINUTES``
and ``FEED_USUAL_DAYS`` at start (a bad value refuses to start, naming the
setting); ``silence_rule()`` is the rule they make.  ``silent_in_scope``
gives the live panel the silent sources that fed the unit in view;
``stale_sources`` gives ``/healthz`` every silent source, and never raises
(an answer without the list is better than no health answer).
The method: ``dashboard.metrics.feeds``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app

from dashboard.auth.scope import Scope
from dashboard.metrics.feeds import LIMITS, SilenceRule, check_setting, silent_sources
from dashboard.web.database import request_session

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    for name in LIMITS:
        app.config[name] = check_setting(name, app.config.get(name, LIMITS[name][0]))


def silence_rule() -> SilenceRule:
    return SilenceRule.from_settings(current_app.config)


def silent_in_scope(session, scope: Scope, now: datetime) -> list[dict]:
    """``[{source, since}]``: the silent sources that fed ``scope`` (``since`` aware, or None)."""
    frame = silent_sources(session, now, silence_rule(), scope)
    return [{"source": s, "since": since} for s, since in zip(frame["source"], frame["since"], strict=True)]


def stale_sources(now: datetime) -> list[dict] | None:
    """``[{source, since}]`` of every silent source (``since`` ISO text), None if it cannot be told."""
    try:
        frame = silent_sources(request_session(), now, silence_rule())
    except Exception:  # noqa: BLE001 - health answers whatever this part does
        log.exception("healthz: the silent sources could not be read")
        return None
    return [{"source": s, "since": None if since is None else since.isoformat()}
            for s, since in zip(frame["source"], frame["since"], strict=True)]
