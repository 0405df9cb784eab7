"""Write the generated history: in this process, or in a fresh process on SQLite files.

On a SQLite file the rows go in through ADBC (Arrow, from C), which links
its own SQLite library; it therefore runs in a spawned process that holds no
other connection to the file.  Elsewhere (PostgreSQL, or ``workers=0``) the
rows go through the caller's engine: COPY on PostgreSQL, executemany on
SQLite.  Either way the whole history is one transaction.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.dialects import sqlite

from dashboard.aggregates.frames import AggregateFrames
from dashboard.demo.chunks import ChunkTask, Renumberer, generated_chunks
from dashboard.demo.followups import generate_publicity
from dashboard.demo.history import Stations
from dashboard.domain import (
    Base,
    Case,
    Dissuasion,
    DissuasionKey,
    PublicityEvent,
    StopPayment,
    Task,
    TaskEvent,
    Warning,
    WarningKey,
)
from dashboard.ingest.bulk import BulkWriter, arrow_sqlite_writer, bulk_writer
from dashboard.partitions import ensure_months

# Deleted children first.  Later features that hang rows off these add theirs here.
# The aggregate tables are derived: summed from the same frames and written after them.
HISTORY_TABLES = [TaskEvent.__table__, Task.__table__,  # written by dashboard.demo.tasks
                  Dissuasion.__table__, StopPayment.__table__, Case.__table__,
                  Warning.__table__, PublicityEvent.__table__]
KEY_TABLES = [DissuasionKey.__table__, WarningKey.__table__]
Progress = Callable[[str], None] | None


def _key_triggers(writer: BulkWriter, action: str) -> None:
    for table in ("warnings", "dissuasions"):
        for trigger in (f"{table}_keyed", f"{table}_unkeyed"):
            writer.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")


def _fill_keys(writer: BulkWriter) -> None:
    """The loaded rows' keys, one statement a table rather than the keys trigger once a row."""
    writer.execute("INSERT INTO warning_keys (warning_id, source, external_id) "
                   "SELECT id, source, external_id FROM warnings")
    writer.execute("INSERT INTO dissuasion_keys (dissuasion_id, source, external_id) "
                   "SELECT id, source, external_id FROM dissuasions "
                   "WHERE source IS NOT NULL AND external_id IS NOT NULL")


def write_history(writer: BulkWriter, tasks: list[ChunkTask], seed: int, stations: Stations,
                  workers: int | None, progress: Progress) -> dict[str, int]:
    """Replace the history tables' rows with the generated chunks; return rows per table."""
    started = time.perf_counter()
    counts = dict.fromkeys((t.name for t in HISTORY_TABLES), 0)
    renumber = Renumberer()
    aggregates = AggregateFrames.for_reference()
    # the keys come back after the indexes (``with a, b`` ends b first); without them a reseed's
    # DELETE is not checked row by row either
    postgresql = writer.dialect.name == "postgresql"
    with writer.foreign_keys_deferred(HISTORY_TABLES), writer.indexes_deferred(HISTORY_TABLES):
        if postgresql:  # the keys go and come in one statement a table, not a trigger a row
            _key_triggers(writer, "DISABLE")
        for table in HISTORY_TABLES:
            writer.execute(f"DELETE FROM {table.name}")
        for table in KEY_TABLES:  # the new rows' keys come with them (migration 0025's triggers)
            writer.execute(f"DELETE FROM {table.name}")
        if postgresql:  # each month of the history in its own partition
            ensure_months(writer.conn, since=min(t.dates.min() for t in tasks).astype("datetime64[D]").item())
        for done, chunk in enumerate(generated_chunks(tasks, workers), start=1):
            chunk = renumber.apply(chunk)
            aggregates.merge(chunk.aggregates)
            for name in ("warnings", "dissuasions", "cases", "stop_payments"):
                counts[name] += writer.insert(Base.metadata.tables[name], getattr(chunk, name))
            if progress:
                progress(f"{done}/{len(tasks)} months written: {counts['warnings']:,} warnings, "
                         f"{counts['dissuasions']:,} dissuasions ({time.perf_counter() - started:.0f} s)")
        dates = np.concatenate([t.dates for t in tasks])
        publicity = generate_publicity(np.random.default_rng([seed, 10_000]), stations, dates)
        publicity.insert(0, "id", np.arange(1, len(publicity) + 1))
        counts["publicity_events"] = writer.insert(PublicityEvent.__table__, publicity)
        aggregates.add_publicity(publicity)
        if postgresql:
            _fill_keys(writer)
            _key_triggers(writer, "ENABLE")
        if progress:
            progress("building indexes")
    if progress:
        progress("writing the aggregate tables")
    for model, frame in aggregates.frames().items():
        writer.execute(f"DELETE FROM {model.__table__.name}")
        writer.insert(model.__table__, frame)
    writer.reset_id_sequences(HISTORY_TABLES)
    return counts


def _write_sqlite_file(path: str, tasks, seed, stations, workers, verbose) -> dict[str, int]:

    with arrow_sqlite_writer(path, sqlite.dialect()) as writer:
        return write_history(writer, tasks, seed, stations, workers,
                             (lambda msg: print(msg, flush=True)) if verbose else None)


def load_history(engine: Engine, tasks: list[ChunkTask], seed: int, stations: Stations,
                 workers: int | None, progress: Progress) -> dict[str, int]:
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and workers != 0:
        engine.dispose()  # this process's idle connections would keep the writer in WAL mode
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            return pool.submit(_write_sqlite_file, database, tasks, seed, stations, workers,
                               progress is not None).result()
    with bulk_writer(engine) as writer:
        return write_history(writer, tasks, seed, stations, workers, progress)
