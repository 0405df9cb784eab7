"""Every aggregate table, described once: what each raw row adds to which row of it.

An aggregate is one or more *parts*; a part reads one source
(``dashboard.aggregates.sources``), keeps the rows its ``where`` holds for,
and adds to the table row of its ``keys`` its ``measures`` (measures a part
does not name add 0).  A histogram table's parts give instead a ``bucket``:
the row adds 1 to that bucket's column.  Keys, measures and conditions are
expressions (``dashboard.aggregates.expressions``) from which come:

- the rebuild's set-based SQL (``rebuild``);
- the per-row upkeep of every write and an ingest batch's sums (``contributions``);
- the demo's bulk build with pandas (``frames``).

The tables themselves (columns, types, docs) are the ORM classes of
``dashboard.domain.aggregates``; importing this module checks that each
description names exactly its table's columns.  County and month twins are
derived from their station table (``COUNTY_TWINS``, ``MONTH_TWINS``).

To add a measure: a column on the ORM class, its expression here, a
migration that adds and backfills the column (frozen SQL), and a read in
``dashboard.metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.aggregates.expressions import (
    ONE,
    Cond,
    Expr,
    all_of,
    at_or_before,
    col,
    const,
    day,
    flag,
    hour,
    present,
    truth,
    wait_bucket,
    when,
)
from dashboard.aggregates.sources import (
    ATTEMPTS,
    CASES,
    FIRST_DOOR_VISITS,
    PUBLICITY_EVENTS,
    STOP_PAYMENTS,
    WARNINGS,
    Source,
)
from dashboard.domain.aggregates import (
    COUNTY_TWINS,
    RESPONSE_BUCKETS,
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
)


@dataclass(frozen=True, eq=False)
class Part:
    """What each row of ``source`` for which ``where`` holds adds to the row of ``keys``."""

    source: Source
    keys: Mapping[str, Expr]  # the table's key columns, in its order
    measures: Mapping[str, Expr] = field(default_factory=dict)
    where: Cond | None = None
    bucket: Expr | None = None  # histogram tables: the bucket (lower bound) the row counts 1 in


@dataclass(frozen=True, eq=False)
class Aggregate:
    """A station (or unit) table and the parts its rows sum."""

    model: type
    parts: tuple[Part, ...]
    extra: Mapping[str, Expr] = field(default_factory=dict)  # other columns set from the row, grouped by

    @property
    def table(self):
        return self.model.__table__

    @property
    def keys(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]

    @property
    def measures(self) -> list[str]:
        """The summed columns, in the table's order."""
        return [c.name for c in self.table.columns if not c.primary_key and c.name not in self.extra]

    @property
    def histogram(self) -> bool:
        return self.parts[0].bucket is not None


def at_station(on: Expr, **breakdown: Expr) -> dict[str, Expr]:
    """The keys of a station table: the row's station, ``on`` (its day), its county, then the breakdown."""
    return {"station_id": col("station_id"), "day": on, "county_id": col("county_id"), **breakdown}


RECEIVED = day(col("received_at"))
REQUESTED = day(col("requested_at"))
AMOUNT_AT_RISK = col("amount_at_risk")
STAGES = ("stopped", "frozen", "returned")  # the stop-payment stages after the request


AGGREGATES: tuple[Aggregate, ...] = (
    Aggregate(WarningDay, (Part(WARNINGS, at_station(RECEIVED), {
        "received": ONE, "amount_at_risk": AMOUNT_AT_RISK,
        "contacted": flag(present(col("first_contact_at"))),
        "contacted_on_time": flag(at_or_before(col("first_contact_at"), col("deadline_at")))}),)),
    Aggregate(OutcomeDay, (Part(
        WARNINGS, at_station(day(col("closed_at")), outcome=col("outcome")),
        {"closed": ONE, "amount_at_risk": AMOUNT_AT_RISK, "loss": col("loss"), "loss_avoided": col("loss_avoided")},
        where=all_of(present(col("closed_at")), present(col("outcome")))),)),
    Aggregate(FraudTypeDay, (Part(WARNINGS, at_station(RECEIVED, fraud_type=col("fraud_type")), {
        "received": ONE, "amount_at_risk": AMOUNT_AT_RISK}),)),
    Aggregate(WarningHour, (Part(WARNINGS, {
        "station_id": col("station_id"), "hour": hour(col("received_at")), "county_id": col("county_id")},
        {"received": ONE}),)),
    Aggregate(DissuasionDay, (Part(ATTEMPTS, at_station(day(col("started_at")), method=col("method")), {
        "attempts": ONE, "reached": flag(truth(col("reached"))),
        "dissuaded": flag(truth(col("dissuaded")))}),)),
    Aggregate(ResponseDay, (
        # a warning's waits count on its day of receipt, a stop-payment's on its day of request
        Part(WARNINGS, at_station(RECEIVED, measure=const("first_contact")), where=present(col("first_contact_at")),
             bucket=wait_bucket(col("first_contact_at"), col("received_at"))),
        Part(FIRST_DOOR_VISITS, at_station(RECEIVED, measure=const("door_visit")),
             bucket=wait_bucket(col("at"), col("received_at"))),
        Part(STOP_PAYMENTS, at_station(REQUESTED, measure=const("stop_payment")), where=present(col("stopped_at")),
             bucket=wait_bucket(col("stopped_at"), col("reported_at"))),
    )),
    Aggregate(FundsDay, (
        # on the day of request also the cohort: what was (by now) stopped and returned of it
        Part(STOP_PAYMENTS, at_station(REQUESTED), {
            "requests": ONE, "requested_amount": col("requested_amount"),
            "cohort_stopped_amount": col("stopped_amount"), "cohort_returned_amount": col("returned_amount")}),
        *(Part(STOP_PAYMENTS, at_station(day(col(f"{stage}_at"))), {
            stage: ONE, f"{stage}_amount": col(f"{stage}_amount")}, where=present(col(f"{stage}_at")))
          for stage in STAGES),
    )),
    Aggregate(CaseDay, (
        Part(CASES, at_station(day(col("reported_at"))), {
            "reported": ONE, "reported_loss": col("loss"), "reported_solved": flag(present(col("solved_at"))),
            "reported_solved_loss": when(present(col("solved_at")), col("loss"))}),
        Part(CASES, at_station(day(col("solved_at"))), {
            "solved": ONE, "suspects_arrested": col("suspects_arrested")}, where=present(col("solved_at"))),
    )),
    Aggregate(PublicityDay, (Part(PUBLICITY_EVENTS, {
        "unit_id": col("unit_id"), "day": col("day"), "kind": col("kind")}, {
        "events": ONE, "reach": col("reach")}),), extra={"county_id": col("county_id")}),
)

BY_MODEL: dict[type, Aggregate] = {a.model: a for a in AGGREGATES}


def source_columns(source: Source) -> tuple[str, ...]:
    """The columns of ``source`` that the aggregates read."""
    names: set[str] = set()
    for aggregate in AGGREGATES:
        for part in aggregate.parts:
            if part.source is source:
                exprs = [*part.keys.values(), *part.measures.values(), *aggregate.extra.values(),
                         *(e for e in (part.where, part.bucket) if e is not None)]
                names.update(*(e.columns() for e in exprs))
    return tuple(sorted(names))


def _check(aggregate: Aggregate) -> None:
    """The description names exactly the table's columns (raises at import otherwise)."""
    name = aggregate.table.name
    if [c.name for c in aggregate.table.columns] != [*aggregate.keys, *aggregate.extra, *aggregate.measures]:
        raise AssertionError(f"{name}: the columns are not in the order keys, extra columns, measures")
    columns = set(aggregate.measures)
    given: set[str] = set()
    for part in aggregate.parts:
        if list(part.keys) != aggregate.keys:
            raise AssertionError(f"{name}: a part's keys {list(part.keys)} are not the table's {aggregate.keys}")
        if (part.bucket is None) == aggregate.histogram:
            raise AssertionError(f"{name}: every part or none gives a bucket")
        given.update(part.measures)
    if aggregate.histogram:
        given = {bucket_column(b) for b in RESPONSE_BUCKETS}
    if given != columns:
        raise AssertionError(f"{name}: described measures {sorted(given)} are not the table's {sorted(columns)}")


for _aggregate in AGGREGATES:
    _check(_aggregate)
if {a.model for a in AGGREGATES} != {m for m in COUNTY_TWINS} | {PublicityDay, WarningHour}:
    raise AssertionError("every station table with a county twin is described")
