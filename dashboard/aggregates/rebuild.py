"""Recompute every aggregate table from the raw rows: ``DELETE``, then ``INSERT ... SELECT``.

The statements are derived from the descriptions (``definitions``): a table
of one part is one ``SELECT ... GROUP BY`` of its source; a table of several
parts sums the ``UNION ALL`` of its parts; a histogram counts its parts'
buckets into one column each.  County and month twins sum their station
table.  ``rebuild(conn)`` runs inside the caller's transaction;
``rebuild_sql`` gives the same work as SQL text for writers that hold a raw
connection.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, case, func, insert, literal, select, union_all
from sqlalchemy.sql import Select

from dashboard.aggregates.definitions import AGGREGATES, Aggregate, Part
from dashboard.aggregates.expressions import ONE
from dashboard.aggregates.sql import month_of
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, RESPONSE_BUCKETS


def _part_rows(aggregate: Aggregate, part: Part) -> Select:
    """One row a source row: the part's keys and extra columns, then its bucket or every measure."""
    source, c = part.source.sql()
    columns = [e.sql(c).label(name) for name, e in (*part.keys.items(), *aggregate.extra.items())]
    if part.bucket is not None:
        columns.append(part.bucket.sql(c).label("bucket"))
    else:
        columns += [(part.measures[m].sql(c) if m in part.measures else literal(0)).label(m)
                    for m in aggregate.measures]
    stmt = select(*columns).select_from(source)
    return stmt if part.where is None else stmt.where(part.where.sql(c))


def aggregate_select(aggregate: Aggregate) -> Select:
    """The rows of ``aggregate``'s table, columns in the table's order."""
    groups = [*aggregate.keys, *aggregate.extra]
    if len(aggregate.parts) == 1 and not aggregate.histogram:  # one source: grouped directly
        (part,) = aggregate.parts
        source, c = part.source.sql()
        by = [e.sql(c) for e in (*part.keys.values(), *aggregate.extra.values())]
        measures = [func.count() if part.measures[m] is ONE else func.sum(part.measures[m].sql(c))
                    for m in aggregate.measures]
        stmt = select(*by, *measures).select_from(source)
        if part.where is not None:
            stmt = stmt.where(part.where.sql(c))
        return stmt.group_by(*by)
    rows = union_all(*(_part_rows(aggregate, p) for p in aggregate.parts)).subquery("rows")
    by = [rows.c[name] for name in groups]
    if aggregate.histogram:
        measures = [func.sum(case((rows.c.bucket == b, 1), else_=0)) for b in RESPONSE_BUCKETS]
    else:
        measures = [func.sum(rows.c[m]) for m in aggregate.measures]
    return select(*by, *measures).group_by(*by)


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
    *((a.model, (lambda a=a: aggregate_select(a))) for a in AGGREGATES),
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
