"""The bench database: fresh, migrated, and filled by the demo generator at a named scale."""

from __future__ import annotations

import multiprocessing
import re
import secrets
import string
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from dashboard.db import make_engine, safe_url
from dashboard.demo.seed import seed_demo
from dashboard.domain import Warning
from dashboard.domain.base import now_local
from dashboard.migrate import upgrade

# warnings a day: Xiamen's 191,300 in two months; Guangzhou's 61,000 a day (docs DOMAIN figures)
SCALES = {"xiamen": 3_000, "guangzhou": 61_000}


@dataclass
class BenchDatabase:
    backend: str
    url: str
    engine: Engine
    location: str
    _cleanup: list = field(default_factory=list)

    def close(self) -> None:
        self.engine.dispose()
        for step in reversed(self._cleanup):
            step()


def schema_url(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class SchemaNameInvalid(ValueError):
    """``--schema`` is not a plain lower-case PostgreSQL identifier."""


def open_bench_database(backend: str, path: str | None, postgres_url: str | None,
                        reuse: bool = False, schema: str | None = None) -> BenchDatabase:
    """A new empty migrated database; ``close()`` removes what this function created.

    With ``reuse``, the SQLite file at ``path`` (or the PostgreSQL ``schema``)
    that an earlier bench built, brought to the current migration and measured
    as it is.  A named ``schema`` is kept afterwards, as a ``path`` is.
    """
    if backend == "sqlite":
        cleanup = []
        if path:
            file = Path(path)
            if reuse and not file.is_file():
                raise FileNotFoundError(str(file))
            if file.exists() and not reuse:
                raise FileExistsError(str(file))
        else:
            folder = tempfile.TemporaryDirectory(prefix="antifraud-bench-")
            cleanup.append(folder.cleanup)
            file = Path(folder.name) / "bench.db"
        url = f"sqlite:///{file}"
        engine = make_engine(url)
        upgrade(engine)
        return BenchDatabase("sqlite", url, engine, str(file), cleanup)
    if not postgres_url or not postgres_url.startswith("postgresql"):
        raise ValueError("DATABASE_URL: must be a postgresql+psycopg:// URL for --db postgres")
    if schema is not None and not SCHEMA_NAME.fullmatch(schema):
        raise SchemaNameInvalid(schema)
    kept = schema is not None
    # a schema of its own, so the bench never touches the data of the configured database
    schema = schema or "bench_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as conn:
            exists = conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :name"),
                                 {"name": schema})
            if reuse and not exists:
                raise FileNotFoundError(schema)
            if exists and not reuse:
                raise FileExistsError(schema)
            if not reuse:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:
        admin.dispose()
        raise

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    cleanup = [admin.dispose] if kept else [drop]
    url = schema_url(postgres_url, schema)
    engine = make_engine(url)
    try:
        upgrade(engine)
    except Exception:
        engine.dispose()
        for step in cleanup:
            step()
        raise
    return BenchDatabase("postgresql", url, engine, f"{safe_url(postgres_url)} schema {schema}", cleanup)


def generate(bench: BenchDatabase, days: int, daily_warnings: float, progress=None,
             growth: float = 0.0) -> dict:
    """Fill the database with ``days`` of demo history ending now; rows and rows per second.

    ``growth``: year on year, up to ``daily_warnings`` on the last day; the
    default 0 holds that volume on every day, so that a year of a named
    scale is its daily volume times 365 (the demo itself grows 30 % a year).

    The generator runs in a spawned child process, so that its memory (gigabytes of frames at
    the large scale) is not in the bench process's peak, which then stays the serving
    figure on either database.  ``progress``: if given, the generator's progress lines go to
    standard error.
    """
    spawn = multiprocessing.get_context("spawn")
    # no idle connection of this process on the file: SQLite's loader could not switch it from
    # WAL to a rollback journal, and the log would grow to the whole history (3 years: ~45 GB)
    bench.engine.dispose()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        counts = pool.submit(_seed, bench.url, days, now_local(), daily_warnings, growth,
                             progress is not None).result()
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    with bench.engine.connect() as conn:
        warnings = conn.scalar(select(func.count()).select_from(Warning.__table__))
    return {"seconds": round(seconds, 3), "rows": rows, "warnings": int(warnings),
            "rows_per_second": round(rows / seconds, 1) if seconds else None,
            "tables": counts}


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _seed(url: str, days: int, end, daily_warnings: float, growth: float, verbose: bool) -> dict:
    """The child process's work: the demo history into the database at ``url``; rows by table."""
    engine = make_engine(url)
    try:
        report = seed_demo(engine, days=days, end=end, daily_warnings=daily_warnings, growth=growth,
                           progress=_say if verbose else None)
        return dict(report.counts)
    finally:
        engine.dispose()


def existing_history(bench: BenchDatabase) -> dict:
    """What a reused database holds: its warnings, rows and the days they span (no generation)."""
    from dashboard.demo.loader import HISTORY_TABLES

    with bench.engine.connect() as conn:
        tables = {t.name: int(conn.scalar(select(func.count()).select_from(t))) for t in HISTORY_TABLES}
        first, last = conn.execute(select(func.min(Warning.received_at), func.max(Warning.received_at))).one()
    if not tables["warnings"]:
        raise LookupError(bench.location)
    days = (last.date() - first.date()).days + 1
    return {"seconds": None, "rows": sum(tables.values()), "warnings": tables["warnings"],
            "rows_per_second": None, "tables": tables, "reused": True, "days": days}

