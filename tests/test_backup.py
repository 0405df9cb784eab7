"""Backup then restore into an empty database: identical counts and figures, on both databases."""

import tarfile
import uuid

import pytest
from sqlalchemy import func, select, text

from dashboard.backup import BackupError, backup, read_manifest, restore, row_counts
from dashboard.db import make_engine
from dashboard.domain import StopPayment, Warning
from tests.conftest import PG_URL, schema_url


def figures(engine):
    with engine.connect() as conn:
        return (conn.scalar(select(func.sum(Warning.amount_at_risk))),
                conn.scalar(select(func.sum(Warning.loss_avoided))),
                conn.scalar(select(func.sum(StopPayment.returned_amount))),
                conn.scalar(select(func.count()).select_from(Warning).where(Warning.status != "closed")))


@pytest.fixture
def empty_target(seeded_database, tmp_path):
    """An empty database of the same kind as the seeded one."""
    if seeded_database.backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/restored.db")
        yield engine
        engine.dispose()
        return
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, ).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(schema_url(base, seeded_database.schema))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_restore_round_trip(seeded_database, empty_target, tmp_path):
    archive = tmp_path / "b.tar"
    manifest = backup(seeded_database.engine, archive)
    assert manifest.rows["warnings"] > 10_000 and manifest.revision
    assert read_manifest(archive).sha256 == manifest.sha256
    restore(empty_target, archive)
    assert row_counts(empty_target) == row_counts(seeded_database.engine)
    assert figures(empty_target) == figures(seeded_database.engine)
    with pytest.raises(BackupError, match="already holds tables"):
        restore(empty_target, archive)


def test_a_tampered_archive_is_refused(seeded_database, empty_target, tmp_path):
    archive = tmp_path / "b.tar"
    manifest = backup(seeded_database.engine, archive)
    tampered = tmp_path / "t.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == manifest.data_file:
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            import io
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="checksum"):
        restore(empty_target, tampered)
