"""Independent recomputation of the KPIs from the raw rows with pandas (the tests' reference).

Nothing here reads an aggregate table or imports the metrics layer's
arithmetic: it loads the raw warnings, attempts, stop-payments, cases and
publicity events and applies the definitions of ``docs/metrics.md``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from math import ceil

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import Case, Dissuasion, OrgUnit, PublicityEvent, StopPayment, Warning
from dashboard.domain.reference import Outcome

BUCKET_EDGES = [*range(0, 60), *range(60, 180, 5), *range(180, 360, 15), *range(360, 1440, 60), 1440]


def _frame(session: Session, *columns) -> pd.DataFrame:
    rows = session.execute(select(*columns)).all()
    frame = pd.DataFrame(rows, columns=[c.key for c in columns])
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.DatetimeTZDtype):
            frame[name] = frame[name].dt.tz_localize(None)
        elif frame[name].dtype == object and len(frame) and isinstance(
                frame[name].dropna().iloc[0] if frame[name].notna().any() else None, datetime):
            frame[name] = pd.to_datetime(frame[name].map(
                lambda v: None if v is None else v.replace(tzinfo=None)))
    return frame


class Raw:
    """The raw rows of a database, for recomputing figures."""

    def __init__(self, session: Session) -> None:
        W = Warning
        self.warnings = _frame(session, W.id, W.county_id, W.station_id, W.received_at, W.deadline_at,
                               W.first_contact_at, W.closed_at, W.outcome, W.fraud_type, W.status,
                               W.amount_at_risk, W.loss, W.loss_avoided)
        self.attempts = _frame(session, Dissuasion.warning_id, Dissuasion.method, Dissuasion.started_at,
                               Dissuasion.result)
        S = StopPayment
        self.funds = _frame(session, S.station_id, S.requested_at, S.stopped_at, S.stopped_amount,
                            S.frozen_at, S.frozen_amount, S.returned_at, S.returned_amount)
        self.cases = _frame(session, Case.station_id, Case.reported_at, Case.solved_at,
                            Case.suspects_arrested)
        self.publicity = _frame(session, PublicityEvent.unit_id, PublicityEvent.day, PublicityEvent.reach)
        self.units = _frame(session, OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.level,
                            OrgUnit.parent_id, OrgUnit.population)
        self.dissuaded = set(session.scalars(select(Outcome.code).where(Outcome.dissuaded.is_(True))))

    def subtree(self, unit_id: int) -> set[int]:
        path = self.units.set_index("id").at[unit_id, "path"]
        inside = (self.units["path"] == path) | self.units["path"].str.startswith(path + "/")
        return set(self.units.loc[inside, "id"])


def _between(times: pd.Series, start: datetime, end: datetime) -> pd.Series:
    return (times >= start) & (times < end)


def nearest_rank(minutes: list[int], numerator: int, denominator: int) -> int | None:
    """The bucket lower bound of the nearest-rank percentile of whole-minute waits."""
    if not minutes:
        return None
    ordered = sorted(minutes)
    value = ordered[ceil(len(ordered) * numerator / denominator) - 1]
    return max(edge for edge in BUCKET_EDGES if edge <= value)


def kpis(raw: Raw, unit_id: int, start: date, end: date, now: datetime) -> dict[str, object]:
    """Every KPI of unit ``unit_id``'s subtree for the days ``[start, end)``, seen at ``now``."""
    s, e = datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())
    now = now.replace(tzinfo=None)
    units = raw.subtree(unit_id)
    w = raw.warnings[raw.warnings["station_id"].isin(units)]
    received = w[_between(w["received_at"], s, e)]
    closed = w[_between(w["closed_at"], s, e) & w["outcome"].notna()]
    dissuaded = closed[closed["outcome"].isin(raw.dissuaded)]
    a = raw.attempts[raw.attempts["warning_id"].isin(w["id"])]
    fc = received["first_contact_at"]
    on_time = int((fc <= received["deadline_at"]).sum())
    due = len(received) - int((fc.isna() & (received["deadline_at"] > now)).sum())
    contact_minutes = ((fc - received["received_at"]).dt.total_seconds() // 60).dropna()
    doors = a[a["method"] == "door_visit"].groupby("warning_id")["started_at"].min()
    door_w = received[received["id"].isin(doors.index)]
    door_minutes = (doors.reindex(door_w["id"]).to_numpy() - door_w["received_at"].to_numpy()
                    ).astype("timedelta64[s]").astype(np.int64) // 60
    clamp = lambda m: [int(min(max(x, 0), 1440)) for x in m]  # noqa: E731
    f = raw.funds[raw.funds["station_id"].isin(units)]
    c = raw.cases[raw.cases["station_id"].isin(units)]
    reported = c[_between(c["reported_at"], s, e)]
    solved = c[_between(c["solved_at"], s, e)]
    p = raw.publicity[raw.publicity["unit_id"].isin(units)]
    p = p[(p["day"] >= start) & (p["day"] < end)]
    today = now.date()
    elapsed = max((min(end - timedelta(days=1), today) - start).days + 1, 1)
    out = {
        "received": len(received),
        "received_per_day": len(received) / elapsed,
        "closed": len(closed),
        "open_at_end": int((w["received_at"] < e).sum()) - int(((w["closed_at"] < e) & w["outcome"].notna()).sum()),
        "attempts": int(_between(a["started_at"], s, e).sum()),
        "dissuaded": len(dissuaded),
        "success_rate": len(dissuaded) / len(closed) if len(closed) else None,
        "on_time_rate": on_time / due if due else None,
        "first_contact_median": nearest_rank(clamp(contact_minutes), 1, 2),
        "first_contact_p90": nearest_rank(clamp(contact_minutes), 9, 10),
        "door_visit_median": nearest_rank(clamp(door_minutes), 1, 2),
        "door_visit_p90": nearest_rank(clamp(door_minutes), 9, 10),
        "amount_at_risk": int(received["amount_at_risk"].sum()),
        "loss_avoided": int(closed["loss_avoided"].sum()),
        "loss": int(closed["loss"].sum()),
        "accounts_stopped": int(_between(f["stopped_at"], s, e).sum()),
        "amount_stopped": int(f.loc[_between(f["stopped_at"], s, e), "stopped_amount"].sum()),
        "amount_frozen": int(f.loc[_between(f["frozen_at"], s, e), "frozen_amount"].sum()),
        "amount_returned": int(f.loc[_between(f["returned_at"], s, e), "returned_amount"].sum()),
        "cases_reported": len(reported),
        "cases_solved": len(solved),
        "solving_rate": int(reported["solved_at"].notna().sum()) / len(reported) if len(reported) else None,
        "suspects_arrested": int(solved["suspects_arrested"].sum()),
        "publicity_events": len(p),
        "publicity_reach": int(p["reach"].sum()),
    }
    return out
