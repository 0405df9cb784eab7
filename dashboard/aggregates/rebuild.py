"""Recompute every aggregate table from the raw rows: ``DELETE``, then ``INSERT ... SELECT``.

These statements are the reference definitions: ``contributions`` computes
the same sums row by row for incremental upkeep and ``frames`` computes them
with pandas for the demo's bulk load; tests check that all three agree.
``rebuild(conn)`` runs inside the caller's transaction; ``rebuild_sql``
gives the same work as SQL text for writers that hold a raw connection.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, case, func, insert, literal, select, union_all
from sqlalchemy.sql import Select

from dashboard.aggregates.sql import day_of, hour_of, month_of, seconds_between
from dashboard.domain import Case, Dissuasion, PublicityEvent, StopPayment, Warning
from dashboard.domain.aggregates import (
    COUNTY_TWINS,
    MONTH_TWINS,
    RESPONSE_BUCKET_STEPS,
    RESPONSE_BUCKETS,
    RESPONSE_LAST_BUCKET,
    CaseDay,
    DissuasionDay,
    FraudTypeDay,
    FundsDay,
    OutcomeDay,
    PublicityDay,
    ResponseDay,
    WarningDay,
    WarningHour,
)
from dashboard.domain.reference import DissuasionResult

DOOR_VISIT = "door_visit"
W = Warning.__table__
D = Dissuasion.__table__
SP = StopPayment.__table__
C = Case.__table__
P = PublicityEvent.__table__


def _flag(condition):
    """1 where ``condition`` holds, else 0 (for SUM)."""
    return case((condition, 1), else_=0)


def bucket_of_seconds(seconds):
    """SQL of ``response_bucket``: the histogram bucket (minutes) of a wait of ``seconds``."""
    minutes = seconds // 60
    whens = [(seconds < 0, 0), (minutes >= RESPONSE_LAST_BUCKET, RESPONSE_LAST_BUCKET)]
    for start, width in reversed(RESPONSE_BUCKET_STEPS):
        whens.append((minutes >= start, literal(start) + (minutes - start) // width * width))
    return case(*whens)


def _warnings_day() -> Select:
    day = day_of(W.c.received_at)
    return select(
        W.c.station_id, day, W.c.county_id, func.count(), func.sum(W.c.amount_at_risk),
        func.sum(_flag(W.c.first_contact_at.is_not(None))),
        func.sum(_flag(W.c.first_contact_at <= W.c.deadline_at)),
    ).group_by(W.c.station_id, day, W.c.county_id)


def _outcomes_day() -> Select:
    day = day_of(W.c.closed_at)
    keys = (W.c.station_id, day, W.c.county_id, W.c.outcome)
    return select(
        *keys, func.count(), func.sum(W.c.amount_at_risk), func.sum(W.c.loss),
        func.sum(W.c.loss_avoided),
    ).where(W.c.closed_at.is_not(None), W.c.outcome.is_not(None)).group_by(*keys)


def _fraud_types_day() -> Select:
    keys = (W.c.station_id, day_of(W.c.received_at), W.c.county_id, W.c.fraud_type)
    return select(*keys, func.count(), func.sum(W.c.amount_at_risk)).group_by(*keys)


def _warnings_hour() -> Select:
    keys = (W.c.station_id, hour_of(W.c.received_at), W.c.county_id)
    return select(*keys, func.count()).group_by(*keys)


def _dissuasions_day() -> Select:
    results = DissuasionResult.__table__
    keys = (W.c.station_id, day_of(D.c.started_at), W.c.county_id, D.c.method)
    return select(
        *keys, func.count(), func.sum(_flag(results.c.reached)), func.sum(_flag(results.c.dissuaded)),
    ).select_from(D.join(W, D.c.warning_id == W.c.id).join(results, D.c.result == results.c.code)
                  ).group_by(*keys)


def _response_day() -> Select:
    def waits(measure: str, at, source=W, table=W, start=W.c.received_at, counted_on=W.c.received_at):
        return select(
            table.c.station_id, day_of(counted_on).label("day"), table.c.county_id,
            literal(measure).label("measure"),
            bucket_of_seconds(seconds_between(at, start)).label("bucket"),
        ).select_from(source)

    door = select(D.c.warning_id, func.min(D.c.started_at).label("at")).where(
        D.c.method == DOOR_VISIT).group_by(D.c.warning_id).subquery("door")
    rows = union_all(
        waits("first_contact", W.c.first_contact_at).where(W.c.first_contact_at.is_not(None)),
        waits("door_visit", door.c.at, W.join(door, door.c.warning_id == W.c.id)),
        waits("stop_payment", SP.c.stopped_at, SP, SP, SP.c.reported_at, SP.c.requested_at).where(
            SP.c.stopped_at.is_not(None)),
    ).subquery("waits")
    keys = (rows.c.station_id, rows.c.day, rows.c.county_id, rows.c.measure)
    return select(*keys, *(func.sum(_flag(rows.c.bucket == b)) for b in RESPONSE_BUCKETS)).group_by(*keys)


def _funds_day() -> Select:
    def stage(time_col, position: int, amount_col, where=None, cohort=False) -> Select:
        measures = [literal(0)] * 10
        measures[position], measures[position + 1] = literal(1), amount_col
        if cohort:  # the cohort amounts, on the day of request
            measures[8], measures[9] = SP.c.stopped_amount, SP.c.returned_amount
        stmt = select(SP.c.station_id, day_of(time_col).label("day"), SP.c.county_id,
                      *(m.label(f"m{i}") for i, m in enumerate(measures)))
        return stmt if where is None else stmt.where(where)

    stages = union_all(
        stage(SP.c.requested_at, 0, SP.c.requested_amount, cohort=True),
        stage(SP.c.stopped_at, 2, SP.c.stopped_amount, SP.c.stopped_at.is_not(None)),
        stage(SP.c.frozen_at, 4, SP.c.frozen_amount, SP.c.frozen_at.is_not(None)),
        stage(SP.c.returned_at, 6, SP.c.returned_amount, SP.c.returned_at.is_not(None)),
    ).subquery("stages")
    keys = (stages.c.station_id, stages.c.day, stages.c.county_id)
    return select(*keys, *(func.sum(stages.c[f"m{i}"]) for i in range(10))).group_by(*keys)


def _cases_day() -> Select:
    reported = select(
        C.c.station_id, day_of(C.c.reported_at).label("day"), C.c.county_id,
        literal(1).label("reported"), C.c.loss.label("reported_loss"),
        _flag(C.c.solved_at.is_not(None)).label("reported_solved"),
        case((C.c.solved_at.is_not(None), C.c.loss), else_=0).label("reported_solved_loss"),
        literal(0).label("solved"), literal(0).label("suspects"),
    )
    solved = select(
        C.c.station_id, day_of(C.c.solved_at), C.c.county_id,
        literal(0), literal(0), literal(0), literal(0), literal(1), C.c.suspects_arrested,
    ).where(C.c.solved_at.is_not(None))
    rows = union_all(reported, solved).subquery("rows")
    keys = (rows.c.station_id, rows.c.day, rows.c.county_id)
    return select(*keys, *(func.sum(rows.c[name]) for name in (
        "reported", "reported_loss", "reported_solved", "reported_solved_loss", "solved",
        "suspects"))).group_by(*keys)


def _publicity_day() -> Select:
    keys = (P.c.unit_id, P.c.day, P.c.kind, P.c.county_id)
    return select(*keys, func.count(), func.sum(P.c.reach)).group_by(*keys)


def _county_twin(station_model) -> Callable[[], Select]:
    """The county twin's rows: the station table summed without the station."""
    def build() -> Select:
        source = station_model.__table__
        twin = COUNTY_TWINS[station_model].__table__
        keys = [source.c[c.name] for c in twin.primary_key.columns]
        measures = [source.c[c.name] for c in twin.columns if not c.primary_key]
        return select(*keys, *(func.sum(m) for m in measures)).group_by(*keys)
    return build


def _month_twin(county_model) -> Callable[[], Select]:
    """The month twin's rows: the county twin summed by the first day of each month."""
    def build() -> Select:
        source = county_model.__table__
        twin = MONTH_TWINS[county_model].__table__
        keys = [month_of(source.c.day) if c.name == "day" else source.c[c.name]
                for c in twin.primary_key.columns]
        measures = [source.c[c.name] for c in twin.columns if not c.primary_key]
        return select(*keys, *(func.sum(m) for m in measures)).group_by(*keys)
    return build


# In dependency order: each county twin after its station table, each month twin after its county twin.
SOURCES: list[tuple[type, Callable[[], Select]]] = [
    (WarningDay, _warnings_day), (OutcomeDay, _outcomes_day), (FraudTypeDay, _fraud_types_day),
    (WarningHour, _warnings_hour), (DissuasionDay, _dissuasions_day), (ResponseDay, _response_day),
    (FundsDay, _funds_day), (CaseDay, _cases_day), (PublicityDay, _publicity_day),
    *((twin, _county_twin(station)) for station, twin in COUNTY_TWINS.items()),
    *((month, _month_twin(county)) for county, month in MONTH_TWINS.items()),
]


def rebuild_statements(tables: list[str] | None = None) -> list:
    """DELETE and INSERT ... SELECT statements that recompute ``tables`` (default: all)."""
    statements = []
    for model, build in SOURCES:
        table = model.__table__
        if tables is None or table.name in tables:
            statements.append(table.delete())
            statements.append(insert(table).from_select([c.name for c in table.columns], build()))
    return statements


def rebuild_sql(dialect, tables: list[str] | None = None) -> list[str]:
    """``rebuild_statements`` as SQL text for ``dialect``, values inlined."""
    return [str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for stmt in rebuild_statements(tables)]


def rebuild(conn: Connection, tables: list[str] | None = None) -> None:
    """Recompute the aggregate ``tables`` (default: all) from the raw rows, in ``conn``'s transaction."""
    for stmt in rebuild_statements(tables):
        conn.execute(stmt)
