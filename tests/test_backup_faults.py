"""Backups that hold when they are needed: taken while the feed writes, on a full disk, from
damaged archives; every failure is one line and leaves no file behind."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import uuid
from datetime import datetime

import pytest
from sqlalchemy import insert, text

from dashboard.backup import FORMAT, BackupError, _libpq, backup, read_manifest, restore, row_counts
from dashboard.db import make_engine
from dashboard.domain import LoginAttempt
from dashboard.domain.base import SHANGHAI
from tests.conftest import PG_URL, schema_url


class Feed:
    """Rows arriving all the time (as warnings do while the nightly backup runs)."""

    def __init__(self, engine):
        self.engine, self.stop, self.written = engine, threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            with self.engine.begin() as conn:
                conn.execute(insert(LoginAttempt).values(
                    at=datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), source_address="10.0.0.1",
                    succeeded=False))
            self.written += 1

    def __enter__(self):
        self.thread.start()
        while self.written < 20:  # the feed is running before the backup starts
            self.stop.wait(0.01)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


@pytest.fixture
def target(engine, tmp_path):
    """``target()``: a new empty database of the same kind as ``engine``."""
    made = []

    def make():
        if engine.dialect.name == "sqlite":
            new = make_engine(f"sqlite:///{tmp_path}/restored-{len(made)}.db")
            made.append((new, None))
            return new
        name = f"restore_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        schema = _libpq(engine)[1][1]
        new = make_engine(schema_url(PG_URL.rsplit("/", 1)[0] + "/" + name, schema))
        made.append((new, name))
        return new

    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT") if PG_URL else None
    yield make
    for new, name in made:
        new.dispose()
        if name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if admin is not None:
        admin.dispose()


def test_backups_taken_while_rows_arrive_restore_and_verify(engine, target, tmp_path):
    manifests = []
    with Feed(engine) as feed:
        for number in range(3):
            manifests.append(backup(engine, tmp_path / f"b{number}.tar"))
    assert feed.written > manifests[0].rows["login_attempts"] >= 20
    for number, manifest in enumerate(manifests):
        restored = target()
        restore(restored, tmp_path / f"b{number}.tar")  # raises if the counts differ
        assert row_counts(restored) == manifest.rows


def test_an_output_folder_that_cannot_be_made_is_one_line(engine, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(BackupError, match=r"^output: cannot create the folder") as refused:
        backup(engine, tmp_path / "a-file" / "sub" / "b.tar")
    assert "\n" not in str(refused.value)


def test_a_full_disk_leaves_no_archive_whole_or_partial(engine, tmp_path, monkeypatch):
    def no_space(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "add", no_space)
    with pytest.raises(BackupError, match=r"^output: cannot write .*No space left on device"):
        backup(engine, tmp_path / "out" / "b.tar")
    assert list((tmp_path / "out").iterdir()) == []


def _archive(path, manifest_body: bytes, data: bytes = b"x"):
    with tarfile.open(path, "w") as archive:
        for name, body in (("manifest.json", manifest_body), ("database.sqlite3", data)):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))


GOOD = {"format": FORMAT, "kind": "sqlite", "revision": "0020", "created_at": "2026-12-07T09:00:00+08:00",
        "data_file": "database.sqlite3", "sha256": "0" * 64, "rows": {"warnings": 1}}


@pytest.mark.parametrize("body", [
    b"{", b"[]", b"\xff\xfe", json.dumps({**GOOD, "format": "other"}).encode(),
    json.dumps({k: v for k, v in GOOD.items() if k != "rows"}).encode(),
    json.dumps({**GOOD, "rows": {"warnings": "many"}}).encode(),
    json.dumps({**GOOD, "rows": {"warnings": -1}}).encode(),
    json.dumps({**GOOD, "data_file": "../../etc/passwd"}).encode(),
    json.dumps({**GOOD, "extra": 1}).encode(),
])
def test_a_damaged_manifest_is_one_line_and_a_refused_restore_leaves_no_file(tmp_path, body):
    archive = tmp_path / "damaged.tar"
    _archive(archive, body)
    target = tmp_path / "new" / "restored.db"
    target.parent.mkdir()
    engine = make_engine(f"sqlite:///{target}")
    with pytest.raises(BackupError, match=r"^archive: ") as refused:
        restore(engine, archive)
    engine.dispose()
    assert "\n" not in str(refused.value)
    assert list(target.parent.iterdir()) == []


def test_a_checksum_refusal_leaves_no_file(tmp_path):
    archive = tmp_path / "bad.tar"
    _archive(archive, json.dumps(GOOD).encode())
    target = tmp_path / "new" / "restored.db"
    target.parent.mkdir()
    with pytest.raises(BackupError, match="checksum"):
        restore(make_engine(f"sqlite:///{target}"), archive)
    assert list(target.parent.iterdir()) == []


def test_a_manifest_that_is_not_in_the_archive_is_one_line(tmp_path):
    archive = tmp_path / "empty.tar"
    with tarfile.open(archive, "w"):
        pass
    with pytest.raises(BackupError, match=r"^archive: cannot read"):
        read_manifest(archive)


def test_the_command_says_one_line_and_exits_2(cli_database, tmp_path, capsys):
    from dashboard.cli import main

    (tmp_path / "a-file").write_text("x")
    assert main(["backup", "--output", str(tmp_path / "a-file" / "b.tar")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("antifraud backup: output: cannot create the folder") and "\n" not in err
