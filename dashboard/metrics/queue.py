"""The live warning queue: one page of the open warnings in scope, most urgent first.

``warning_queue(session, scope, now, QueueFilter(...), sort, offset, limit)``
answers a ``QueuePage``: a DataFrame of at most ``limit`` rows and the total
number of open warnings that match.  Only that page is read from the
database (``LIMIT``/``OFFSET`` over the partial index of open warnings, and
one ``COUNT``), so it stays fast with tens of thousands of open warnings in
scope; personal data leaves this module masked.

Urgency (the default order): risk level (``risk_levels.sort_order``), then
warnings not yet contacted before those already reached, then the response
deadline, earliest (most overdue) first.  Definitions, as in
``dashboard.metrics.live``: *open* is any status but ``closed``; *overdue* is
open, not yet contacted, and past ``deadline_at``.

Filter values come from the browser: ``QueueFilter.cleaned`` keeps only codes
the reference lists know (and only open statuses); the scope, already
narrowed to a unit the user may see, comes from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from dashboard.auth.scope import Scope
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import to_local_naive
from dashboard.domain.deadlines import is_past, minutes_to_deadline
from dashboard.domain.personal_data import mask_name, mask_phone
from dashboard.domain.reference import FraudType, RiskLevel, WarningStatus

CLOSED = "closed"
PAGE_SIZE = 50
MAX_PAGE = 200
COLUMNS = ["id", "received_at", "risk_level", "fraud_type", "channel", "status", "person",
           "amount_at_risk", "station_id", "station_zh", "station_en", "deadline_at",
           "first_contact_at", "minutes_waited", "minutes_left", "overdue"]


@dataclass(frozen=True)
class QueueFilter:
    """Which open warnings to list: any of these risk levels, fraud types, open statuses."""

    risk_levels: tuple[str, ...] = ()
    fraud_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @staticmethod
    def _codes(values) -> tuple[str, ...]:
        if values is None or values == "":
            return ()
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, Iterable):
            return ()
        return tuple(dict.fromkeys(str(v) for v in values if isinstance(v, str | int)))

    @classmethod
    def of(cls, risk_levels=None, fraud_types=None, statuses=None) -> QueueFilter:
        """A filter from browser values (a code, a list of codes, or nothing)."""
        return cls(cls._codes(risk_levels), cls._codes(fraud_types), cls._codes(statuses))

    def cleaned(self, session: Session) -> QueueFilter:
        """Only codes the reference lists know; statuses only open ones."""
        risks = set(session.scalars(select(RiskLevel.code)))
        types = set(session.scalars(select(FraudType.code)))
        open_statuses = set(session.scalars(
            select(WarningStatus.code).where(WarningStatus.is_open.is_(True))))
        return QueueFilter(tuple(c for c in self.risk_levels if c in risks),
                           tuple(c for c in self.fraud_types if c in types),
                           tuple(c for c in self.statuses if c in open_statuses))


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue; how many open warnings match in all, and how many are overdue."""

    rows: pd.DataFrame
    total: int
    offset: int
    overdue: int = 0


def _conditions(scope: Scope, wanted: QueueFilter) -> list:
    conditions = [Warning.status != CLOSED, scope.rows_condition(Warning.county_id, Warning.station_id)]
    if wanted.risk_levels:
        conditions.append(Warning.risk_level.in_(wanted.risk_levels))
    if wanted.fraud_types:
        conditions.append(Warning.fraud_type.in_(wanted.fraud_types))
    if wanted.statuses:
        conditions.append(Warning.status.in_(wanted.statuses))
    return conditions


def _order(sort: Sequence[tuple[str, bool]], station) -> list:
    contacted = case((Warning.first_contact_at.is_(None), 0), else_=1)
    urgency = [RiskLevel.sort_order, contacted, Warning.deadline_at]
    columns = {
        "id": [Warning.id], "received_at": [Warning.received_at],
        "waited": [Warning.received_at], "deadline_at": [Warning.deadline_at],
        "time_left": [contacted, Warning.deadline_at], "amount_at_risk": [Warning.amount_at_risk],
        "risk_level": [RiskLevel.sort_order], "fraud_type": [Warning.fraud_type],
        "channel": [Warning.channel], "status": [Warning.status], "station": [station.code],
        "urgency": urgency,
    }
    order = []
    for key, descending in sort:
        # "waited" longest first is "received" earliest first: its direction is reversed
        flip = key == "waited"
        for column in columns.get(key, []):
            order.append(column.asc() if bool(descending) == flip else column.desc())
    return [*order, *urgency, Warning.id]


def _minutes(later: datetime, earlier: datetime) -> int:
    return int((to_local_naive(later) - to_local_naive(earlier)).total_seconds() // 60)


def warning_queue(session: Session, scope: Scope, now: datetime,
                  wanted: QueueFilter | None = None, sort: Sequence[tuple[str, bool]] = (),
                  offset: int = 0, limit: int = PAGE_SIZE) -> QueuePage:
    """Rows ``offset`` to ``offset + limit`` of the open warnings of ``scope`` that match.

    ``sort``: (column key, descending) pairs, urgency after them; unknown keys
    are ignored.  Columns: ``COLUMNS``; ``person`` is the masked name and
    phone; ``minutes_waited`` since received, ``minutes_left`` to the deadline
    (negative: past it).
    """
    wanted = (wanted or QueueFilter()).cleaned(session)
    offset = max(int(offset or 0), 0)
    limit = min(max(int(limit or PAGE_SIZE), 1), MAX_PAGE)
    if scope.is_empty:
        return QueuePage(pd.DataFrame(columns=COLUMNS), 0, offset)
    conditions = _conditions(scope, wanted)
    late = Warning.first_contact_at.is_(None) & (Warning.deadline_at < to_local_naive(now))
    total, overdue = session.execute(
        select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0))
        .select_from(Warning).where(*conditions)).one()
    station = aliased(OrgUnit)
    stmt = (select(Warning.id, Warning.received_at, Warning.risk_level, Warning.fraud_type,
                   Warning.channel, Warning.status, Warning.person_name, Warning.person_phone,
                   Warning.amount_at_risk, Warning.station_id, station.name_zh, station.name_en,
                   Warning.deadline_at, Warning.first_contact_at)
            .join(RiskLevel, RiskLevel.code == Warning.risk_level)
            .join(station, station.id == Warning.station_id)
            .where(*conditions).order_by(*_order(sort, station)).offset(offset).limit(limit))
    records = []
    for row in session.execute(stmt):
        masked = " · ".join(part for part in (mask_name(row.person_name), mask_phone(row.person_phone))
                            if part) or "—"
        records.append({
            "id": row.id, "received_at": row.received_at, "risk_level": row.risk_level,
            "fraud_type": row.fraud_type, "channel": row.channel, "status": row.status,
            "person": masked, "amount_at_risk": int(row.amount_at_risk or 0),
            "station_id": row.station_id, "station_zh": row.name_zh, "station_en": row.name_en,
            "deadline_at": row.deadline_at, "first_contact_at": row.first_contact_at,
            "minutes_waited": _minutes(now, row.received_at),
            "minutes_left": minutes_to_deadline(row.deadline_at, now),
            "overdue": row.first_contact_at is None and is_past(row.deadline_at, now),
        })
    frame = pd.DataFrame(records, columns=COLUMNS)
    contact = frame["first_contact_at"].astype(object)
    frame["first_contact_at"] = contact.where(contact.notna(), None)  # None, not NaT, when absent
    return QueuePage(frame, int(total or 0), offset, int(overdue or 0))
