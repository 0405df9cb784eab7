"""Backups that prove themselves: an archive with the data, its checksum and row counts.

``backup(engine, path)`` writes one ``.tar`` archive holding ``manifest.json``
(format, database kind, migration revision, time, SHA-256 of the data file,
rows per table) and the data file:

- SQLite: a consistent copy made with SQLite's online backup API while the
  application keeps running (``database.sqlite3``); the rows are counted in
  the copy;
- PostgreSQL: ``pg_dump --format=custom`` of the schema in use
  (``database.dump``), reading the snapshot that a repeatable-read
  transaction exported and counted its rows in: counts and data are one
  moment, however many warnings arrive meanwhile.

The archive is written beside its path as ``<name>.partial`` and renamed
when complete: a backup that fails (a full disk, a folder that cannot be
made) leaves no archive, whole or partial.

``restore(engine, path)`` checks the manifest and the data file against the
manifest's checksum, refuses a target that already holds tables (unless
``force``), restores, and compares every table's row count with the
manifest: a restore that does not match is reported as failed.  A SQLite
restore is made and counted in a file beside the target and moved into
place only when it verified: a refused or failed restore leaves no file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, table, text

from dashboard import migrate
from dashboard.domain.base import now_local
from dashboard.paths import file_sha256

FORMAT = "antifraud-backup/1"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done or did not verify; the message says why."""


@dataclass
class Manifest:
    kind: str
    revision: str | None
    created_at: str
    data_file: str
    sha256: str
    rows: dict[str, int]

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **self.__dict__}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
        except ValueError:
            raise BackupError("archive: the manifest is not JSON (damaged)") from None
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise BackupError("archive: not an antifraud backup (manifest format)")
        fields = {"kind": str, "revision": (str, type(None)), "created_at": str, "data_file": str,
                  "sha256": str, "rows": dict}
        for name, kind in fields.items():
            if not isinstance(data.get(name), kind):
                raise BackupError(f"archive: the manifest's {name} is missing or malformed (damaged)")
        if set(data) != set(fields) or data["data_file"] not in ("database.sqlite3", "database.dump"):
            raise BackupError("archive: the manifest names fields or a data file it should not (damaged)")
        if not all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in data["rows"].items()):
            raise BackupError("archive: the manifest's rows are malformed (damaged)")
        return cls(**data)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (the schema in use)."""
    with engine.connect() as conn:
        return _counted(conn)


def _counted(conn) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in names}


def _file_counts(path: Path) -> dict[str, int]:
    """Rows in every table of a SQLite file (as ``row_counts`` counts them)."""
    conn = sqlite3.connect(path)
    try:
        names = sorted(n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~'"))
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        conn.close()


def _libpq(engine: Engine) -> tuple[str, list[str]]:
    """A libpq URL for pg_dump / pg_restore, and the schema options of the SQLAlchemy URL."""
    url = engine.url
    options = url.query.get("options", "")
    schema_args = []
    for part in (options if isinstance(options, str) else " ".join(options)).split():
        if part.startswith("-csearch_path="):
            schema_args = ["--schema", part.split("=", 1)[1]]
    plain = url.set(drivername="postgresql", query={k: v for k, v in url.query.items() if k != "options"})
    return plain.render_as_string(hide_password=False), schema_args


def _run(args: list[str]) -> None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (apt-get install postgresql-client)") from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")


def _sqlite_copy(engine: Engine, folder: Path) -> tuple[Path, dict[str, int]]:
    data = folder / "database.sqlite3"
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(data)
    try:
        source.backup(target)  # the online backup API: consistent while others write
    finally:
        target.close()
        source.close()
    return data, _file_counts(data)


def _postgres_dump(engine: Engine, folder: Path) -> tuple[Path, dict[str, int]]:
    data = folder / "database.dump"
    url, schema = _libpq(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            rows = _counted(conn)
            # pg_dump reads the same snapshot while this transaction holds it open
            _run(["pg_dump", "--format=custom", "--no-owner", "--snapshot", snapshot,
                  "--file", str(data), *schema, url])
    return data, rows


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(":")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def backup(engine: Engine, path: Path) -> Manifest:
    """Write the archive ``path``; return its manifest."""
    path = Path(path)
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise BackupError(f"database: no backup for {engine.dialect.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"output: cannot create the folder {path.parent} ({_reason(exc)})") from None
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = _sqlite_copy if engine.dialect.name == "sqlite" else _postgres_dump
            data, rows = copy(engine, Path(tmp))
            manifest = Manifest(kind=engine.dialect.name, revision=migrate.current_revision(engine),
                                created_at=now_local().isoformat(timespec="seconds"),
                                data_file=data.name, sha256=file_sha256(data), rows=rows)
            with tarfile.open(partial, "w") as archive:
                info = tarfile.TarInfo("manifest.json")
                body = manifest.to_json().encode("utf-8")
                info.size = len(body)
                archive.addfile(info, io.BytesIO(body))
                archive.add(data, arcname=data.name)
            os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"output: cannot write {path} ({_reason(exc)}); nothing was kept") from None
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path) as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            body = member.read(1 << 20)
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise BackupError(f"archive: cannot read {path} ({_first_line(exc)})") from None
    try:
        return Manifest.from_json(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BackupError("archive: the manifest is not UTF-8 text (damaged)") from None


def _holds_tables(engine: Engine) -> bool:
    if engine.dialect.name == "sqlite" and not Path(engine.url.database).exists():
        return False  # asking would create the file
    return bool(inspect(engine).get_table_names())


def _check(restored: dict[str, int], manifest: Manifest) -> None:
    if restored != manifest.rows:
        differing = sorted(k for k in set(restored) | set(manifest.rows)
                           if restored.get(k) != manifest.rows.get(k))
        raise BackupError(f"restore: row counts differ from the backup in {', '.join(differing)}")


def _restore_sqlite(engine: Engine, data: Path, manifest: Manifest) -> None:
    target = Path(engine.url.database)
    staged = target.with_name(target.name + ".restoring")
    try:
        shutil.copyfile(data, staged)
        _check(_file_counts(staged), manifest)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def restore(engine: Engine, path: Path, force: bool = False) -> Manifest:
    """Restore the archive into ``engine``'s database and verify it; return the manifest."""
    manifest = read_manifest(path)
    if manifest.kind != engine.dialect.name:
        raise BackupError(f"archive: holds a {manifest.kind} backup, the target is {engine.dialect.name}")
    if _holds_tables(engine) and not force:
        raise BackupError("target: the database already holds tables; restore into an empty one or use --force")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                with tarfile.open(path) as archive:
                    archive.extract(manifest.data_file, tmp, filter="data")
            except (tarfile.TarError, KeyError) as exc:
                raise BackupError(f"archive: cannot read {path} ({_first_line(exc)})") from None
            data = Path(tmp) / manifest.data_file
            if file_sha256(data) != manifest.sha256:
                raise BackupError("archive: the data file does not match its checksum")
            engine.dispose()
            if manifest.kind == "sqlite":
                _restore_sqlite(engine, data, manifest)
                return manifest
            url, _ = _libpq(engine)
            _run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                  "--dbname", url, str(data)])
    except OSError as exc:
        raise BackupError(f"restore: cannot write ({_reason(exc)})") from None
    _check(row_counts(engine), manifest)
    return manifest
