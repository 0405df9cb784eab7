"""Archive whole months of the warnings and attempts out of the database, verified, and back.

``archive(engine, before, folder)`` writes every month before ``before`` (a
first of a month) of ``warnings`` (by month of receipt) and ``dissuasions``
(by month of the attempt's start) to ``folder``, one file a table and month,
with ``manifest.json`` (format, database kind, revision, the months, each
file's SHA-256 and row count).  The files are read back and checked against
the manifest and the database before anything leaves it; then:

- PostgreSQL: each month's partition is detached and dropped (the file is
  ``COPY``'s own text format, exact for every type);
- SQLite: the month's rows are deleted (the file holds JSON lines of the
  stored values, exact for integers, reals and text).

What stays: the key tables (``warning_keys``: an archived warning is still
known, and the tasks, cases and stop-payments naming it keep a valid
reference) and the aggregates, which the dashboards read, so an archived
month's figures do not change.  A rebuild of the aggregates counts only the
rows in the database: restore the archives first.

``restore(engine, folder)`` checks the manifest and every file's checksum,
refuses months that are in the database already, puts the rows back
(PostgreSQL: a table per month, filled by ``COPY`` and attached as the
month's partition) and checks every count, all in one transaction.

The folder is written as ``<folder>.partial`` and renamed when complete.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from dashboard.domain.base import now_local
from dashboard.partitions import (
    PARTITIONED,
    attached_months,
    ensure_months,
    is_partitioned,
    month_start,
    partition_name,
)
from dashboard.paths import file_sha256

FORMAT = "antifraud-archive/1"
MANIFEST = "manifest.json"


class ArchiveError(RuntimeError):
    """An archive or restore that cannot be done or did not verify: an i18n key and its values."""

    def __init__(self, key: str, **params) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@dataclass
class Archived:
    folder: Path
    months: list[str]
    rows: dict[str, int]  # file name: rows


def _bounds(conn: Connection, month: date) -> dict:
    following = month_start(month, 1)
    if conn.dialect.name == "sqlite":  # stored as text, 'YYYY-MM-DD HH:MM:SS'
        return {"a": f"{month.isoformat()} 00:00:00", "b": f"{following.isoformat()} 00:00:00"}
    return {"a": month, "b": following}


def _file(table: str, month: date, postgresql: bool) -> str:
    return f"{partition_name(table, month)}.{'copy' if postgresql else 'jsonl'}"


def stored_months(conn: Connection, table: str, before: date | None = None) -> list[date]:
    """The months of ``table`` that hold rows, before ``before`` (PostgreSQL: their partitions; an
    empty partition, made ahead or left by a deletion, is not a month of history to archive)."""
    if is_partitioned(conn, table):
        months = [m for m in attached_months(conn, table)
                  if conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {partition_name(table, m)})"))]
    else:
        column = PARTITIONED[table]
        months = [date(int(m[:4]), int(m[5:7]), 1) for (m,) in conn.execute(text(
            f"SELECT DISTINCT substr({column}, 1, 7) FROM {table}"))]
    return sorted(m for m in months if before is None or m < before)


def _count(conn: Connection, table: str, month: date) -> int:
    column = PARTITIONED[table]
    return conn.scalar(text(f"SELECT count(*) FROM {table} WHERE {column} >= :a AND {column} < :b"),
                       _bounds(conn, month))


def _export(conn: Connection, table: str, month: date, path: Path) -> int:
    """Write the month's rows of ``table`` to ``path``; how many."""
    if conn.dialect.name == "postgresql":
        name = partition_name(table, month)
        conn.exec_driver_sql(f"LOCK TABLE {name} IN EXCLUSIVE MODE")  # reads go on, writes wait
        rows = 0
        cursor = conn.connection.driver_connection.cursor()
        with path.open("wb") as out, cursor.copy(f"COPY (SELECT * FROM {name} ORDER BY id) TO STDOUT") as copy:
            for block in copy:
                out.write(block)
                rows += bytes(block).count(b"\n")
        return rows
    column = PARTITIONED[table]
    result = conn.execute(text(f"SELECT * FROM {table} WHERE {column} >= :a AND {column} < :b ORDER BY id"),
                          _bounds(conn, month))
    columns = list(result.keys())
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        for row in result:
            out.write(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False) + "\n")
            rows += 1
    return rows


def _take_out(conn: Connection, table: str, month: date) -> None:
    if conn.dialect.name == "postgresql":
        name = partition_name(table, month)
        conn.exec_driver_sql(f"ALTER TABLE {table} DETACH PARTITION {name}")
        conn.exec_driver_sql(f"DROP TABLE {name}")
        return
    column = PARTITIONED[table]
    # the keys stay: the trigger that deletes a deleted row's key is set aside for this delete
    unkeyed = conn.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                          {"n": f"{table}_unkeyed"})
    conn.exec_driver_sql(f"DROP TRIGGER {table}_unkeyed")
    conn.execute(text(f"DELETE FROM {table} WHERE {column} >= :a AND {column} < :b"), _bounds(conn, month))
    conn.exec_driver_sql(unkeyed)


def archive(engine: Engine, before: date, folder: Path) -> Archived:
    if before != month_start(before):
        raise ArchiveError("archive.error.not_a_month", before=before.isoformat())
    if folder.exists() and any(folder.iterdir()):
        raise ArchiveError("archive.error.folder_used", folder=str(folder))
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with engine.begin() as conn:
            postgresql = is_partitioned(conn)
            ensure_months(conn)  # rows of a month without its partition get one
            if postgresql and conn.scalar(text(
                    "SELECT count(*) FROM warnings_default WHERE received_at < :b"), {"b": before}):
                raise ArchiveError("archive.error.default_rows", before=before.isoformat())
            files, months = {}, set()
            for table in PARTITIONED:
                for month in stored_months(conn, table, before):
                    name = _file(table, month, postgresql)
                    rows = _export(conn, table, month, partial / name)
                    if rows != _count(conn, table, month):
                        raise ArchiveError("archive.error.count", file=name)
                    files[name] = {"table": table, "month": f"{month:%Y-%m}", "rows": rows,
                                   "sha256": file_sha256(partial / name)}
                    months.add(f"{month:%Y-%m}")
            if not files:
                raise ArchiveError("archive.error.nothing", before=before.isoformat())
            manifest = {"format": FORMAT, "kind": conn.dialect.name, "revision": conn.scalar(text("SELECT version_num FROM alembic_version")),
                        "created_at": now_local().isoformat(), "before": before.isoformat(),
                        "months": sorted(months), "files": files}
            (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            _verify(partial, read_manifest(partial))  # what is on disk is what was read
            for entry in files.values():
                _take_out(conn, entry["table"], date.fromisoformat(entry["month"] + "-01"))
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Archived(folder, sorted(months), {n: e["rows"] for n, e in files.items()})


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveError("archive.error.no_manifest", folder=str(folder)) from None
    except ValueError:
        raise ArchiveError("archive.error.damaged", file=MANIFEST) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("files"), dict):
        raise ArchiveError("archive.error.not_an_archive", folder=str(folder))
    for name, entry in manifest["files"].items():
        if (not isinstance(entry, dict) or entry.get("table") not in PARTITIONED or "/" in name
                or type(entry.get("rows")) is not int or not isinstance(entry.get("sha256"), str)
                or not isinstance(entry.get("month"), str)):
            raise ArchiveError("archive.error.damaged", file=MANIFEST)
    return manifest


def _verify(folder: Path, manifest: dict) -> None:
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            raise ArchiveError("archive.error.damaged", file=name)


def _load(conn: Connection, table: str, month: date, path: Path) -> None:
    if conn.dialect.name == "postgresql":
        name = partition_name(table, month)
        conn.exec_driver_sql(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
        cursor = conn.connection.driver_connection.cursor()
        with path.open("rb") as source, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for block in iter(lambda: source.read(1 << 20), b""):
                copy.write(block)
        following = month_start(month, 1)
        conn.exec_driver_sql(f"ALTER TABLE {table} ATTACH PARTITION {name} "
                             f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')")
        return
    with path.open(encoding="utf-8") as source:
        rows = [json.loads(line) for line in source]
    if rows:
        columns = list(rows[0])
        conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                          f"({', '.join(':' + c for c in columns)})"), rows)


def restore(engine: Engine, folder: Path) -> dict:
    """Put an archive's months back; its manifest."""
    manifest = read_manifest(folder)
    _verify(folder, manifest)
    with engine.begin() as conn:
        if manifest.get("kind") != conn.dialect.name:
            raise ArchiveError("archive.error.kind", kind=str(manifest.get("kind")), here=conn.dialect.name)
        for name, entry in manifest["files"].items():
            month = date.fromisoformat(entry["month"] + "-01")
            if month in stored_months(conn, entry["table"]):
                raise ArchiveError("archive.error.present", month=entry["month"], table=entry["table"])
            if is_partitioned(conn, entry["table"]) and month in attached_months(conn, entry["table"]):
                conn.exec_driver_sql(f"DROP TABLE {partition_name(entry['table'], month)}")  # empty
            _load(conn, entry["table"], month, folder / name)
            if _count(conn, entry["table"], month) != entry["rows"]:
                raise ArchiveError("archive.error.count", file=name)
    return manifest
