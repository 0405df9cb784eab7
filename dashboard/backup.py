"""Backups that prove themselves: an archive with the data, its checksum and row counts.

``backup(engine, path)`` writes one ``.tar`` archive holding ``manifest.json``
(format, database kind, migration revision, time, SHA-256 of the data file,
rows per table) and the data file:

- SQLite: a consistent copy made with SQLite's online backup API while the
  application keeps running (``database.sqlite3``);
- PostgreSQL: ``pg_dump --format=custom`` of the schema in use (``database.dump``).

``restore(engine, path)`` checks the data file against the manifest's
checksum, refuses a target that already holds tables (unless ``force``),
restores, and compares every table's row count with the manifest: a restore
that does not match is reported as failed.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, table

from dashboard import migrate
from dashboard.domain.base import now_local

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
        data = json.loads(text)
        if data.pop("format", None) != FORMAT:
            raise BackupError("archive: not an antifraud backup (manifest format)")
        return cls(**data)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (the schema in use)."""
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in names}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def backup(engine: Engine, path: Path) -> Manifest:
    """Write the archive ``path``; return its manifest."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        if engine.dialect.name == "sqlite":
            data = Path(tmp) / "database.sqlite3"
            source = sqlite3.connect(engine.url.database)
            target = sqlite3.connect(data)
            try:
                source.backup(target)  # the online backup API: consistent while others write
            finally:
                target.close()
                source.close()
            rows = row_counts(engine)
        elif engine.dialect.name == "postgresql":
            data = Path(tmp) / "database.dump"
            url, schema = _libpq(engine)
            rows = row_counts(engine)
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(data), *schema, url])
        else:
            raise BackupError(f"database: no backup for {engine.dialect.name}")
        manifest = Manifest(kind=engine.dialect.name, revision=migrate.current_revision(engine),
                            created_at=now_local().isoformat(timespec="seconds"),
                            data_file=data.name, sha256=_sha256(data), rows=rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path, "w") as archive:
            info = tarfile.TarInfo("manifest.json")
            text = manifest.to_json().encode("utf-8")
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
            archive.add(data, arcname=data.name)
    return manifest


def read_manifest(path: Path) -> Manifest:
    try:
        with tarfile.open(path) as archive:
            return Manifest.from_json(archive.extractfile("manifest.json").read().decode("utf-8"))
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"archive: cannot read {path} ({exc})") from None


def restore(engine: Engine, path: Path, force: bool = False) -> Manifest:
    """Restore the archive into ``engine``'s database and verify it; return the manifest."""
    manifest = read_manifest(path)
    if manifest.kind != engine.dialect.name:
        raise BackupError(f"archive: holds a {manifest.kind} backup, the target is {engine.dialect.name}")
    if inspect(engine).get_table_names() and not force:
        raise BackupError("target: the database already holds tables; restore into an empty one or use --force")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(path) as archive:
            archive.extract(manifest.data_file, tmp, filter="data")
        data = Path(tmp) / manifest.data_file
        if _sha256(data) != manifest.sha256:
            raise BackupError("archive: the data file does not match its checksum")
        engine.dispose()
        if manifest.kind == "sqlite":
            target = Path(engine.url.database)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            shutil.copyfile(data, target)
        else:
            url, _ = _libpq(engine)
            _run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--exit-on-error",
                  "--dbname", url, str(data)])
    restored = row_counts(engine)
    if restored != manifest.rows:
        differing = sorted(k for k in set(restored) | set(manifest.rows)
                           if restored.get(k) != manifest.rows.get(k))
        raise BackupError(f"restore: row counts differ from the backup in {', '.join(differing)}")
    return manifest

