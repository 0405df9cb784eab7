"""What raw rows add to the aggregate tables, computed in Python from the descriptions.

``definitions`` says what each source row adds; here its expressions are
compiled to functions of a row and applied to the rows of the stored objects
(``sources``), for the upkeep of every write, and to the values an ingest
batch inserted (``new_warning_sums``).  A warning and its dissuasion attempts
are treated as one whole: the warning's contribution includes its attempts
(their counts and its first door visit), so re-routing a warning or adding
an attempt is one change of one warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from dashboard.aggregates.definitions import AGGREGATES, source_columns
from dashboard.aggregates.expressions import row_function, tuple_function
from dashboard.aggregates.sources import (
    CASES,
    FIRST_DOOR_VISITS,
    PUBLICITY_EVENTS,
    STOP_PAYMENTS,
    WARNINGS,
    Attempt,
    Source,
    local,
    object_row,
)
from dashboard.aggregates.sources import (
    warning_rows as warning_source_rows,
)
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, bucket_column
from dashboard.domain.base import LocalDateTime

__all__ = ["Attempt", "Row", "WARNING_FIELDS", "case_rows", "merge", "new_warning_sums", "publicity_rows",
           "stop_payment_rows", "warning_rows"]


class Row(NamedTuple):
    """One aggregate row's key and the amounts one raw row adds to its measures.

    A named tuple, not a frozen dataclass: a write of many warnings makes
    several a warning.
    """

    model: type
    key: tuple
    measures: tuple[tuple[str, int], ...]
    extra: tuple[tuple[str, object], ...] = ()  # non-key columns set on insert (publicity's county)


class _Compiled(NamedTuple):
    """A part's expressions compiled to functions of a row (``expressions.tuple_function``)."""

    model: type
    where: Callable | None
    keys: Callable
    names: tuple[str, ...]  # the measures' names
    measures: Callable | None  # their amounts
    bucket: Callable | None  # or a histogram's bucket
    extra_names: tuple[str, ...]
    extra: Callable | None


def _compile() -> dict[Source, list[_Compiled]]:
    out: dict[Source, list[_Compiled]] = {}
    for aggregate in AGGREGATES:
        for part in aggregate.parts:
            out.setdefault(part.source, []).append(_Compiled(
                aggregate.model, None if part.where is None else row_function(part.where),
                tuple_function(*part.keys.values()), tuple(part.measures),
                tuple_function(*part.measures.values(), amounts=True) if part.measures else None,
                None if part.bucket is None else row_function(part.bucket), tuple(aggregate.extra),
                tuple_function(*aggregate.extra.values()) if aggregate.extra else None))
    return out


_PARTS = _compile()


def _twin_keys() -> dict[type, list[tuple[type, tuple[int, ...], int | None]]]:
    """Per station table, its twins, the positions of their keys in its key and a month twin's day."""
    out: dict[type, list] = {}
    for aggregate in AGGREGATES:
        names = aggregate.keys
        twins = []
        twin = COUNTY_TWINS.get(aggregate.model)
        while twin is not None:
            twin_names = [c.name for c in twin.__table__.primary_key.columns]
            by_month = twin in MONTH_TWINS.values()
            twins.append((twin, tuple(names.index(n) for n in twin_names),
                          twin_names.index("day") if by_month else None))
            twin = MONTH_TWINS.get(twin)
        out[aggregate.model] = twins
    return out


_TWINS = _twin_keys()


def _keys(model, key: tuple) -> list[tuple[type, tuple]]:
    """The key of a station table's row and those of its county (and month) twins' rows."""
    keys = [(model, key)]
    for twin, positions, month_day in _TWINS[model]:
        twin_key = [key[i] for i in positions]
        if month_day is not None:  # keyed by the month's first day
            twin_key[month_day] = twin_key[month_day].replace(day=1)
        keys.append((twin, tuple(twin_key)))
    return keys


def contributions(source: Source, row: Mapping) -> Iterator[tuple[type, tuple, tuple, tuple]]:
    """``(model, key, measures, extra)`` of each station-table row that ``row`` of ``source`` adds to."""
    for part in _PARTS.get(source, ()):
        if part.where is not None and not part.where(row):
            continue
        if part.bucket is not None:
            measures = ((bucket_column(part.bucket(row)), 1),)
        else:
            measures = tuple(zip(part.names, part.measures(row), strict=True))
        extra = () if part.extra is None else tuple(zip(part.extra_names, part.extra(row), strict=True))
        yield part.model, part.keys(row), measures, extra


def _rows(rows_by_source: Mapping[Source, Iterable[Mapping]]) -> list[Row]:
    out: list[Row] = []
    for source, rows in rows_by_source.items():
        for row in rows:
            for model, key, measures, extra in contributions(source, row):
                out.append(Row(model, key, measures, extra))  # twins: the same amounts, no extra columns
                out.extend(Row(m, k, measures) for m, k in _keys(model, key)[1:])
    return out


# what ``warning_rows`` reads of a warning: enough to load (``load_only``) for its contribution
# (the attempts and the first door visit are counted at their warning's units and time of receipt)
WARNING_FIELDS = ("id", *sorted({*source_columns(WARNINGS), *source_columns(FIRST_DOOR_VISITS),
                                 "station_id", "county_id"} - {"at"}))
_COLUMNS = {source: source_columns(source) for source in (WARNINGS, STOP_PAYMENTS, CASES, PUBLICITY_EVENTS)}
_TIMES = {source: tuple(name for name in names if isinstance(source.model.__table__.c[name].type, LocalDateTime))
          for source, names in _COLUMNS.items()}


def warning_rows(w, attempts: Sequence[Attempt], results: Mapping[str, tuple[bool, bool]]) -> list[Row]:
    """A warning's rows, with its dissuasion ``attempts``; ``results``: code -> (reached, dissuaded)."""
    return _rows(warning_source_rows(w, WARNING_FIELDS, attempts, results))


def stop_payment_rows(sp) -> list[Row]:
    """A stop-payment's rows: one per stage that has happened, and its wait once stopped."""
    return _rows({STOP_PAYMENTS: [object_row(sp, _COLUMNS[STOP_PAYMENTS])]})


def case_rows(c) -> list[Row]:
    """A case's rows: on its day of report, and on its day of solving once solved."""
    return _rows({CASES: [object_row(c, _COLUMNS[CASES])]})


def publicity_rows(p) -> list[Row]:
    """A publicity event's row, at the unit that held it."""
    return _rows({PUBLICITY_EVENTS: [object_row(p, _COLUMNS[PUBLICITY_EVENTS])]})


def new_warning_sums(stored: Iterable[Mapping]) -> dict[tuple[type, tuple], dict]:
    """``merge((), every warning's rows)`` for warnings just inserted, summed as they come.

    ``stored``: the column values each was inserted with (a column not given
    is empty).  A new warning has no attempts, so only the warnings' own
    parts apply.  The batch is summed by part and station-table key first,
    by position, and only those few sums are spread to the twins (no
    ``Row`` is made) (``tests/aggregates/test_new_warnings.py``).
    """
    parts = _PARTS.get(WARNINGS, [])
    fields, times = _COLUMNS[WARNINGS], _TIMES[WARNINGS]
    by_part: dict[tuple, list] = {}  # (part, key[, bucket column]) -> [extra, sums by position]
    for values in stored:
        row = {name: values.get(name) for name in fields}
        for name in times:
            if row[name] is not None:
                row[name] = local(row[name])
        for i, part in enumerate(parts):
            if part.where is not None and not part.where(row):
                continue
            key = part.keys(row)
            if part.bucket is not None:
                entry_key, amounts = (i, key, bucket_column(part.bucket(row))), (1,)
            else:
                entry_key, amounts = (i, key), part.measures(row)
            entry = by_part.get(entry_key)
            if entry is None:
                extra = () if part.extra is None else tuple(zip(part.extra_names, part.extra(row), strict=True))
                by_part[entry_key] = [extra, list(amounts)]
            else:
                summed = entry[1]
                for k, amount in enumerate(amounts):
                    summed[k] += amount
    out: dict[tuple[type, tuple], dict] = {}
    for (i, key, *bucket), (extra, amounts) in by_part.items():
        part = parts[i]
        names = bucket or part.names
        for n, entry in enumerate(_keys(part.model, key)):
            target = out.get(entry)
            if target is None:
                target = out[entry] = {"measures": {}, "extra": dict(extra) if n == 0 else {}}
            summed = target["measures"]
            for name, amount in zip(names, amounts, strict=True):
                summed[name] = summed.get(name, 0) + amount
    return out


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
