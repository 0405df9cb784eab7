"""The aggregate tables computed with pandas from frames of raw rows, for bulk loads.

The demo loader has every generated row in memory as DataFrames; summing
them here costs about a second for two years of a large city, where the SQL
``rebuild`` would re-read the whole history (a minute on SQLite).  The
sums are those of the descriptions (``definitions``), each expression
evaluated on a frame; a test checks that a seeded database's aggregates
equal a rebuild.

Feed the loader's frames chunk by chunk (``add_warnings`` etc.), then take
``frames()``: one DataFrame per aggregate table, columns named as the
table's.  Frames may be split anywhere (a warning closed in a later chunk's
month is fine): partial sums are added up at the end.  The demo generator
sums each chunk in its worker process and the loader ``merge``s the parts.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from dashboard.aggregates.definitions import AGGREGATES, Aggregate, Part
from dashboard.aggregates.sources import (
    CASES,
    PUBLICITY_EVENTS,
    STOP_PAYMENTS,
    Source,
    publicity_frame,
    warning_frames,
)
from dashboard.domain.aggregates import COUNTY_TWINS, MONTH_TWINS, bucket_column
from dashboard.domain.reference import DissuasionResult
from dashboard.domain.reference_files import read_reference_file

_PARTS: dict[Source, list[tuple[Aggregate, Part]]] = defaultdict(list)
for _aggregate in AGGREGATES:
    for _part in _aggregate.parts:
        _PARTS[_part.source].append((_aggregate, _part))


def _part_frame(aggregate: Aggregate, part: Part, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row a source row: the part's keys and extra columns, then its bucket (and a count) or measures."""
    exprs = {**part.keys, **aggregate.extra}
    groups = list(exprs)
    if part.bucket is not None:
        exprs["bucket"] = part.bucket
        groups.append("bucket")
    columns = {name: e.frame(frame) for name, e in {**exprs, **part.measures}.items()}
    if part.bucket is not None:
        columns["n"] = 1
    return pd.DataFrame(columns, index=frame.index), groups


class AggregateFrames:
    """Partial sums of every aggregate table, added chunk by chunk."""

    def __init__(self, results: dict[str, tuple[bool, bool]]) -> None:
        self.results = results  # dissuasion result code -> (reached, dissuaded)
        self.parts: dict[type, list[pd.DataFrame]] = defaultdict(list)

    @classmethod
    def for_reference(cls) -> AggregateFrames:
        """Empty sums, with the dissuasion results' flags read from the reference list."""

        return cls({row["code"]: (row["reached"], row["dissuaded"])
                    for row in read_reference_file(DissuasionResult)})

    def merge(self, other: AggregateFrames) -> None:
        """Add ``other``'s partial sums (another chunk's) to these."""
        for model, parts in other.parts.items():
            self.parts[model].extend(parts)

    def add(self, source: Source, frame: pd.DataFrame) -> None:
        """Rows of ``source`` (columns named as its columns)."""
        for aggregate, part in _PARTS[source]:
            rows = frame if part.where is None else frame[part.where.frame(frame).to_numpy()]
            if len(rows):
                summed, groups = _part_frame(aggregate, part, rows)
                self.parts[aggregate.model].append(summed.groupby(groups, as_index=False, dropna=False).sum())

    def add_warnings(self, w: pd.DataFrame, attempts: pd.DataFrame) -> None:
        """A chunk of warnings and all of their dissuasion attempts."""
        for source, frame in warning_frames(w, attempts, self.results).items():
            self.add(source, frame)

    def add_stop_payments(self, sp: pd.DataFrame) -> None:
        self.add(STOP_PAYMENTS, sp)

    def add_cases(self, c: pd.DataFrame) -> None:
        self.add(CASES, c)

    def add_publicity(self, p: pd.DataFrame) -> None:
        self.add(PUBLICITY_EVENTS, publicity_frame(p))

    def frames(self) -> dict[type, pd.DataFrame]:
        """Every aggregate table's rows (county and month twins included), columns in table order."""
        out: dict[type, pd.DataFrame] = {}
        for aggregate in AGGREGATES:
            parts = self.parts.get(aggregate.model, [])
            if aggregate.histogram:
                parts = [self._histogram(aggregate, parts)]
            out[aggregate.model] = self._table(aggregate.model, parts)
        for station_model, twin in COUNTY_TWINS.items():
            out[twin] = self._table(twin, [out[station_model]])
        for county_model, month in MONTH_TWINS.items():
            days = out[county_model]
            out[month] = self._table(month, [days.assign(day=[d.replace(day=1) for d in days["day"]])])
        return out

    @staticmethod
    def _histogram(aggregate: Aggregate, parts: list[pd.DataFrame]) -> pd.DataFrame:
        """The counts by bucket, one column per bucket."""
        keys = [*aggregate.keys, *aggregate.extra]
        if not parts:
            return pd.DataFrame(columns=keys)
        long = pd.concat(parts, ignore_index=True).groupby([*keys, "bucket"])["n"].sum()
        wide = long.unstack("bucket", fill_value=0)
        wide.columns = [bucket_column(b) for b in wide.columns]
        return wide.reset_index()

    @staticmethod
    def _table(model, parts: list[pd.DataFrame]) -> pd.DataFrame:
        table = model.__table__
        columns = [c.name for c in table.columns]
        keys = [c.name for c in table.primary_key.columns]
        group = keys + [c for c in columns if c == "county_id" and c not in keys]  # publicity's county
        measures = [c for c in columns if c not in group]
        if not parts:
            return pd.DataFrame(columns=columns)
        frame = pd.concat(parts, ignore_index=True).reindex(columns=group + measures)
        frame = pd.concat([frame[group], frame[measures].fillna(0).astype(np.int64)], axis=1)
        frame = frame.groupby(group, as_index=False, dropna=False)[measures].sum()
        if "day" in frame:
            frame["day"] = pd.to_datetime(frame["day"]).dt.date
        return frame[columns]
