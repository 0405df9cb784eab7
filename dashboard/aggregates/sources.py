"""The raw rows the aggregates sum, each source in its three forms: SQL, rows and frames.

A source is a kind of row that measures are expressions of (``definitions``):
warnings, dissuasion attempts (with their warning's units and their result's
flags), each warning's first door visit, stop-payments, cases and publicity
events.  Each has

- ``sql()``: its FROM clause and its columns by name, for the rebuild;
- rows made from the stored objects (``warning_rows`` etc.): mappings of
  column name to value, times as stored (naive Shanghai wall time to the
  second), for per-row upkeep and an ingest batch;
- frames made from the demo loader's DataFrames (``warning_frames`` etc.).

A new measure on an existing source does not touch this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.sql import FromClause

from dashboard.domain import Case, Dissuasion, PublicityEvent, StopPayment, Warning
from dashboard.domain.base import SHANGHAI, to_local_naive
from dashboard.domain.reference import DissuasionResult

DOOR_VISIT = "door_visit"


@dataclass(frozen=True, eq=False)
class Source:
    """A kind of raw row; ``sql()`` gives its FROM clause and its columns by name."""

    name: str
    model: type  # the ORM class whose objects give its rows (the attempts' and door visits': Warning)

    def sql(self) -> tuple[FromClause, Mapping]:
        return _SQL[self.name]()

    def __repr__(self) -> str:
        return f"Source({self.name})"


WARNINGS = Source("warnings", Warning)
ATTEMPTS = Source("attempts", Warning)  # a warning's dissuasion attempts, counted at its units
FIRST_DOOR_VISITS = Source("first_door_visits", Warning)  # a warning's earliest door visit, if any
STOP_PAYMENTS = Source("stop_payments", StopPayment)
CASES = Source("cases", Case)
PUBLICITY_EVENTS = Source("publicity_events", PublicityEvent)


def _warnings_sql():
    table = Warning.__table__
    return table, table.c


def _attempts_sql():
    w, d, results = Warning.__table__, Dissuasion.__table__, DissuasionResult.__table__
    joined = d.join(w, d.c.warning_id == w.c.id).join(results, d.c.result == results.c.code)
    return joined, {"station_id": w.c.station_id, "county_id": w.c.county_id, "method": d.c.method,
                    "started_at": d.c.started_at, "result": d.c.result, "reached": results.c.reached,
                    "dissuaded": results.c.dissuaded}


def _first_door_visits_sql():
    w, d = Warning.__table__, Dissuasion.__table__
    door = select(d.c.warning_id, func.min(d.c.started_at).label("at")).where(
        d.c.method == DOOR_VISIT).group_by(d.c.warning_id).subquery("door")
    return w.join(door, door.c.warning_id == w.c.id), {**{c.name: c for c in w.c}, "at": door.c.at}


def _table_sql(model):
    def build():
        table = model.__table__
        return table, table.c
    return build


_SQL = {
    "warnings": _warnings_sql, "attempts": _attempts_sql, "first_door_visits": _first_door_visits_sql,
    "stop_payments": _table_sql(StopPayment), "cases": _table_sql(Case),
    "publicity_events": _table_sql(PublicityEvent),
}


# --- rows ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    """The fields of one dissuasion attempt that aggregates read."""

    method: str
    started_at: datetime
    result: str


def local(value):
    """A time as stored (naive Shanghai wall time to the second); any other value as it is."""
    if isinstance(value, datetime):
        zone = value.tzinfo
        if zone is SHANGHAI or zone is None:  # the usual case: one replace
            return value.replace(tzinfo=None, microsecond=0) if zone or value.microsecond else value
        return to_local_naive(value).replace(microsecond=0)
    return value


def object_row(obj, fields: Iterable[str]) -> dict:
    """The row of ``fields`` from a stored object's attributes."""
    return {name: local(getattr(obj, name)) for name in fields}


def warning_rows(w, warning_fields: Sequence[str], attempts: Sequence[Attempt],
                 results: Mapping[str, tuple[bool, bool]]) -> dict[Source, list[dict]]:
    """A warning's rows of each warning source; ``results``: result code -> (reached, dissuaded)."""
    row = object_row(w, warning_fields)
    units = {"station_id": row["station_id"], "county_id": row["county_id"]}
    tried = []
    for a in attempts:
        reached, dissuaded = results[a.result]
        tried.append({**units, "method": a.method, "started_at": local(a.started_at), "result": a.result,
                      "reached": reached, "dissuaded": dissuaded})
    visits = [a["started_at"] for a in tried if a["method"] == DOOR_VISIT]
    doors = [{**row, "at": min(visits)}] if visits else []
    return {WARNINGS: [row], ATTEMPTS: tried, FIRST_DOOR_VISITS: doors}


# --- frames -------------------------------------------------------------------------------------

def warning_frames(w: pd.DataFrame, attempts: pd.DataFrame,
                   results: Mapping[str, tuple[bool, bool]]) -> dict[Source, pd.DataFrame]:
    """A chunk of warnings and all of their attempts as the frames of each warning source."""
    owner = w[["id", "station_id", "county_id", "received_at"]].rename(columns={"id": "warning_id"})
    a = attempts[["warning_id", "method", "started_at", "result"]].merge(owner, on="warning_id")
    flags = pd.DataFrame(results, index=["reached", "dissuaded"]).T.astype(np.int64)
    a = a.assign(reached=flags["reached"].reindex(a["result"]).to_numpy(),
                 dissuaded=flags["dissuaded"].reindex(a["result"]).to_numpy())
    doors = a[a["method"] == DOOR_VISIT].groupby(
        ["warning_id", "station_id", "county_id", "received_at"], as_index=False)["started_at"].min()
    return {WARNINGS: w, ATTEMPTS: a, FIRST_DOOR_VISITS: doors.rename(columns={"started_at": "at"})}


def publicity_frame(p: pd.DataFrame) -> pd.DataFrame:
    """Publicity events, the city's (no county) kept apart from every county's."""
    return p.assign(county_id=p["county_id"].astype("Int64"))
