"""What one raw row adds to the aggregate tables, computed in Python.

These mirror the SQL of ``dashboard.aggregates.rebuild`` exactly (same days,
same buckets, same flags); ``tests/aggregates`` proves it.  A warning and its
dissuasion attempts are treated as one whole: the warning's contribution
includes its attempts (their counts and its first door visit), so re-routing
a warning or adding an attempt is one change of one warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from dashboard.domain import Case, PublicityEvent, StopPayment, Warning
from dashboard.domain.aggregates import (
    COUNTY_TWINS,
    MONTH_TWINS,
    CaseDay,
    DissuasionDay,
    FraudTypeDay,
    FundsDay,
    OutcomeDay,
    PublicityDay,
    ResponseDay,
    WarningDay,
    WarningHour,
    bucket_column,
    response_bucket,
)
from dashboard.domain.base import to_local_naive

DOOR_VISIT = "door_visit"


class Row(NamedTuple):
    """One aggregate row's key and the amounts one raw row adds to its measures.

    A named tuple, not a frozen dataclass: an ingest batch makes six of them a
    warning, and making them (``_rows``) was about a tenth of the batch.
    """

    model: type
    key: tuple
    measures: tuple[tuple[str, int], ...]
    extra: tuple[tuple[str, object], ...] = ()  # non-key columns set on insert (publicity's county)


@dataclass(frozen=True)
class Attempt:
    """The fields of one dissuasion attempt that aggregates read."""

    method: str
    started_at: datetime
    result: str


def local(value: datetime | None) -> datetime | None:
    """Naive Shanghai wall time to the second, as stored."""
    return None if value is None else to_local_naive(value).replace(microsecond=0)


def day(value: datetime) -> date:
    return local(value).date()


def wait_bucket(later: datetime, earlier: datetime) -> str:
    """The histogram column of the wait from ``earlier`` to ``later``."""
    seconds = int((local(later) - local(earlier)).total_seconds())
    return bucket_column(response_bucket(seconds))


def _keys(model, key: tuple) -> list[tuple[type, tuple]]:
    """The key of a station table's row and those of its county (and month) twins' rows."""
    keys = [(model, key)]
    twin = COUNTY_TWINS.get(model)
    if twin is not None:  # station key (station, day, county, *dims) -> (county, day, *dims)
        keys.append((twin, (key[2], key[1], *key[3:])))
        month = MONTH_TWINS.get(twin)
        if month is not None:  # -> (county, the month's first day, *dims)
            keys.append((month, (key[2], key[1].replace(day=1), *key[3:])))
    return keys


_DAY_MODELS = frozenset(m for m, _ in _keys(WarningDay, (0, date(2000, 1, 1), 0)))
_HOUR_MODELS = frozenset(m for m, _ in _keys(WarningHour, (0, date(2000, 1, 1), 0)))


def _rows(model, key: tuple, **measures: int) -> list[Row]:
    """The row of a station table and, if it has them, its twins' rows."""
    values = tuple([(name, int(value or 0)) for name, value in measures.items()])
    return [Row(m, k, values) for m, k in _keys(model, key)]


# what ``warning_rows`` reads of a warning: enough to load (``load_only``) for its contribution
WARNING_FIELDS = ("id", "station_id", "county_id", "received_at", "deadline_at", "first_contact_at",
                  "closed_at", "outcome", "fraud_type", "amount_at_risk", "loss", "loss_avoided")


def warning_rows(w: Warning, attempts: Sequence[Attempt],
                 results: dict[str, tuple[bool, bool]]) -> list[Row]:
    """A warning's rows, with its dissuasion ``attempts``; ``results``: code -> (reached, dissuaded)."""
    received_at = local(w.received_at)  # once: a warning's times are converted here at every write
    at_station = (w.station_id, received_at.date(), w.county_id)
    amount = w.amount_at_risk or 0
    contact = local(w.first_contact_at)
    rows = [
        *_rows(WarningDay, at_station, received=1, amount_at_risk=amount,
               contacted=contact is not None,
               contacted_on_time=contact is not None and contact <= local(w.deadline_at)),
        *_rows(FraudTypeDay, (*at_station, w.fraud_type), received=1, amount_at_risk=amount),
        *_rows(WarningHour, (w.station_id, received_at.replace(minute=0, second=0), w.county_id), received=1),
    ]
    if w.closed_at is not None and w.outcome is not None:
        rows += _rows(OutcomeDay, (w.station_id, day(w.closed_at), w.county_id, w.outcome), closed=1,
                      amount_at_risk=amount, loss=w.loss, loss_avoided=w.loss_avoided)
    if contact is not None:
        rows += _rows(ResponseDay, (*at_station, "first_contact"),
                      **{wait_bucket(contact, received_at): 1})
    visits = [local(a.started_at) for a in attempts if a.method == DOOR_VISIT]
    if visits:
        rows += _rows(ResponseDay, (*at_station, "door_visit"),
                      **{wait_bucket(min(visits), received_at): 1})
    for a in attempts:
        reached, dissuaded = results[a.result]
        rows += _rows(DissuasionDay, (w.station_id, day(a.started_at), w.county_id, a.method),
                      attempts=1, reached=reached, dissuaded=dissuaded)
    return rows


def new_warning_sums(stored: Iterable[Mapping]) -> dict[tuple[type, tuple], dict]:
    """``merge((), every warning's rows)`` for warnings just inserted, summed directly.

    ``stored``: the column values each was inserted with.  A new warning has
    no first contact, outcome or attempts, so its rows are its day's, its
    fraud type's and its hour's (with their twins), each ``received=1``, the
    first two with its amount at risk.  Building six ``Row`` a warning and
    merging them was about a third of an ingest batch's own time; this is the
    same result (``tests/aggregates/test_new_warnings.py``).
    """
    sums: dict[tuple[type, tuple], list[int]] = {}  # (model, key) -> [received, amount at risk]
    for values in stored:
        received_at = local(values["received_at"])
        station, county = values["station_id"], values["county_id"]
        at_station = (station, received_at.date(), county)
        amount = int(values["amount_at_risk"] or 0)
        for entry, add in (*((k, amount) for k in _keys(WarningDay, at_station)),
                           *((k, amount) for k in _keys(FraudTypeDay, (*at_station, values["fraud_type"]))),
                           *((k, 0) for k in _keys(WarningHour, (station, received_at.replace(minute=0, second=0),
                                                                  county)))):
            total = sums.get(entry)
            if total is None:
                sums[entry] = [1, add]
            else:
                total[0] += 1
                total[1] += add
    out: dict[tuple[type, tuple], dict] = {}
    for (model, key), (received, amount) in sums.items():
        if model in _HOUR_MODELS:
            measures = {"received": received}
        elif model in _DAY_MODELS:
            measures = {"received": received, "amount_at_risk": amount, "contacted": 0, "contacted_on_time": 0}
        else:
            measures = {"received": received, "amount_at_risk": amount}
        out[(model, key)] = {"measures": measures, "extra": {}}
    return out


def stop_payment_rows(sp: StopPayment) -> list[Row]:
    """A stop-payment's rows: one per stage that has happened, on that stage's day.

    On the day of request also its cohort amounts and, once stopped, its wait
    from report to stop (``ResponseDay``, measure ``stop_payment``).
    """
    requested = (sp.station_id, day(sp.requested_at), sp.county_id)
    rows = _rows(FundsDay, requested, requests=1, requested_amount=sp.requested_amount,
                 cohort_stopped_amount=sp.stopped_amount, cohort_returned_amount=sp.returned_amount)
    if sp.stopped_at is not None:
        rows += _rows(ResponseDay, (*requested, "stop_payment"), **{wait_bucket(sp.stopped_at, sp.reported_at): 1})
    for stage in ("stopped", "frozen", "returned"):
        at = getattr(sp, f"{stage}_at")
        if at is not None:
            rows += _rows(FundsDay, (sp.station_id, day(at), sp.county_id), **{
                stage: 1, f"{stage}_amount": getattr(sp, f"{stage}_amount")})
    return rows


def case_rows(c: Case) -> list[Row]:
    """A case's rows: on its day of report, and on its day of solving once solved."""
    rows = _rows(CaseDay, (c.station_id, day(c.reported_at), c.county_id), reported=1,
                 reported_loss=c.loss, reported_solved=c.solved_at is not None,
                 reported_solved_loss=c.loss if c.solved_at is not None else 0)
    if c.solved_at is not None:
        rows += _rows(CaseDay, (c.station_id, day(c.solved_at), c.county_id), solved=1,
                      suspects_arrested=c.suspects_arrested)
    return rows


def publicity_rows(p: PublicityEvent) -> list[Row]:
    """A publicity event's row, at the unit that held it."""
    (row,) = _rows(PublicityDay, (p.unit_id, p.day, p.kind), events=1, reach=p.reach)
    return [Row(row.model, row.key, row.measures, (("county_id", p.county_id),))]


def merge(before: Iterable[Row], after: Iterable[Row]) -> dict[tuple[type, tuple], dict]:
    """``after`` minus ``before``, summed per aggregate row: ``{(model, key): {"measures": {...}, "extra": {...}}}``."""
    out: dict[tuple[type, tuple], dict] = {}
    for sign, rows in ((-1, before), (1, after)):
        for model, key, measures, extra in rows:
            entry = out.get((model, key))
            if entry is None:
                entry = out[(model, key)] = {"measures": {}, "extra": dict(extra)}
            summed = entry["measures"]
            for name, value in measures:
                summed[name] = summed.get(name, 0) + sign * value
    return out
