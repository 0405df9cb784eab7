"""The live figures of a unit, counted once and shared by every worker for a few seconds.

Every open overview and wall screen asks for its unit's live figures every
``LIVE_REFRESH_SECONDS``; with many screens and several workers that is the
same count many times over.  ``live_figures`` keeps the answer in the
shared store (Redis, ``REDIS_URL``) for ``LIVE_CACHE_SECONDS`` under the
unit's id: the figures of a unit are those of its whole subtree, the same
for every viewer allowed to see it (``unit_view`` has checked that), so
every worker and viewer shows the same numbers with the same "as of" time.
Without Redis, or with ``LIVE_CACHE_SECONDS=0``, it counts on every call
(a per-process cache would make workers disagree).  The figures include the
silent feeds of the unit (``silent``: ``[{source, since}]``, from
``dashboard.web.feed_status``), so a zero is never shown as calm while a
source that feeds the unit is silent.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from flask import current_app
from sqlalchemy.orm import Session

from dashboard.metrics.overview import live_data
from dashboard.metrics.units import UnitView
from dashboard.web import shared
from dashboard.web.feed_status import silent_in_scope


def encode(live: dict) -> str:
    hourly = live["hourly"]
    return json.dumps({
        "hourly": {"hour": [int(h) for h in hourly["hour"]],
                   "today": [None if pd.isna(v) else int(v) for v in hourly["today"]],
                   "yesterday": [int(v) for v in hourly["yesterday"]],
                   "last_year": [int(v) for v in hourly["last_year"]]},
        **{key: int(live[key]) for key in ("recent", "minutes", "open", "overdue")},
        "at": live["at"].isoformat(),
        "silent": [{"source": s["source"], "since": None if s["since"] is None else s["since"].isoformat()}
                   for s in live.get("silent", [])],
    })


def decode(text: str) -> dict:
    data = json.loads(text)
    columns = data["hourly"]
    hourly = pd.DataFrame({"hour": columns["hour"],
                           "today": pd.array(columns["today"], dtype="Int64"),
                           "yesterday": columns["yesterday"], "last_year": columns["last_year"]})
    silent = [{"source": s["source"], "since": None if s["since"] is None else datetime.fromisoformat(s["since"])}
              for s in data.get("silent", [])]
    return {**data, "hourly": hourly, "at": datetime.fromisoformat(data["at"]), "silent": silent}


def live_figures(session: Session, view: UnitView, now: datetime, minutes: int) -> dict:
    """``live_data`` of ``view``'s unit and its silent feeds, from the shared cache when another worker just counted it."""
    seconds = int(current_app.config.get("LIVE_CACHE_SECONDS") or 0)
    key = f"live:v2:{view.unit.id}:{minutes}"  # v2: the format of encode(); bump it on change

    def count() -> dict:
        return {**live_data(session, view.scope, now, minutes), "silent": silent_in_scope(session, view.scope, now)}

    return shared.shared_for(key, seconds, count, encode, decode)
