"""The README's deployment section, followed step by step on this machine (all but Docker itself).

The test reads every ``sh`` block of the section and runs each line, in
order, in a scratch copy of ``docker/`` with ``tests/deploy/docker_shim.py``
standing in for ``docker``: what would run in our image runs here with the
container's environment (from ``compose.yaml`` and the ``docker/.env`` the
first step writes) against a fresh database of the test (PostgreSQL when
``TEST_DATABASE_URL`` is set, else SQLite).  Host paths of the README
(``/srv/...``) go to the test's folder.  The files a bureau brings are
written by the test from the demo city, as the bureau's own would be: its
unit list (``units.csv``) and its precinct file (the demo's stations).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dashboard import migrate
from dashboard.auth import audit
from dashboard.auth.audit_key import audit_key_from_settings
from dashboard.backup import read_manifest, row_counts
from dashboard.db import make_engine
from dashboard.demo.units import build_demo_units
from dashboard.domain import AuditEntry, OrgUnit, User
from dashboard.domain import personal_data as crypto
from dashboard.geo.boundaries import BOUNDARIES_IMPORTED
from dashboard.ingest.reference import load_reference_data
from dashboard.safe_settings import refuse_unsafe_settings
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Harbour-watch-2026!"
SKIPPED = {  # steps the test leaves out, and why
    "antifraud seed-demo": "seeding two years takes minutes; tests/demo/test_seed_command.py covers it",
    "--profile simulator up": "starts the live feed: serving is Docker's and tests/deploy/test_workers.py's part",
}


def readme_steps() -> list[str]:
    """Every line of the ``sh`` blocks of the README's deployment section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def cron_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Deployment\n", 1)[1].split("\n## ", 1)[0]
    return [line for block in re.findall(r"```cron\n(.*?)```", section, flags=re.S)
            for line in block.splitlines() if line.strip()]


@pytest.fixture
def database_url(tmp_path):
    """A database that does not exist yet (as before the first start), dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path}/deploy.db"
        return
    name = f"deploy_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bureau_files(folder: Path) -> set[str]:
    """The bureau's unit list and precinct file, as the README's step 4 expects them (the demo city's)."""
    engine = make_engine(f"sqlite:///{folder}/bureau.db")
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        load_reference_data(session)
        build_demo_units(session)
        units = sorted(session.scalars(select(OrgUnit)), key=lambda u: u.path)
        with open(folder / "units.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["code", "level", "parent_code", "name_zh", "name_en", "population"])
            for unit in units:
                writer.writerow([unit.code, unit.level, unit.parent.code if unit.parent else "",
                                 unit.name_zh, unit.name_en, unit.population or ""])
        stations = [u for u in units if u.level == "station"]
        frame = gpd.GeoDataFrame({"code": [u.code for u in stations], "name": [u.name_zh for u in stations]},
                                 geometry=[shape(json.loads(u.geometry)) for u in stations], crs="EPSG:4326")
        codes = {u.code for u in units}
    engine.dispose()
    (folder / "bureau.db").unlink()
    frame.to_file(folder / "precincts.geojson", driver="GeoJSON", engine="pyogrio")
    return codes


def test_the_readme_deployment_steps_work_in_order(database_url, tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "docker").mkdir(parents=True)
    for name in ("compose.yaml", "Dockerfile", "entrypoint.sh", "gunicorn.conf.py", "nightly-backup.sh"):
        shutil.copy2(ROOT / "docker" / name, checkout / "docker" / name)
    shim_bin, instance, host = tmp_path / "bin", tmp_path / "instance", tmp_path / "host"
    for folder in (shim_bin, instance, host):
        folder.mkdir()
    (shim_bin / "docker").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT}/tests/deploy/docker_shim.py" "$@"\n')
    (shim_bin / "docker").chmod(0o755)
    shim_log = tmp_path / "shim.log"
    env = {"PATH": f"{shim_bin}:{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT), "SHIM_LOG": str(shim_log),
           "SHIM_INSTANCE": str(instance), "SHIM_DATABASE_URL": database_url,
           "SHIM_ADMIN_URL": PG_URL or ""}

    steps = readme_steps()
    assert any("create-user" in s for s in steps) and any("import-boundaries" in s for s in steps)
    assert any("import-units" in s for s in steps)
    codes = bureau_files(checkout)
    backups = host / "antifraud-backups"
    for line in steps:
        if any(marker in line for marker in SKIPPED):
            continue
        command = line.replace("/srv/", f"{host}/")
        example = re.search(r"antifraud-\d{8}-\d{6}\.tar", command)
        if example:  # the README's example archive name: the archive just written
            command = command.replace(example.group(), max(backups.glob("antifraud-*.tar")).name)
        done = subprocess.run(["sh", "-c", command], cwd=checkout, env=env, capture_output=True,
                              text=True, input=f"{PASSWORD}\n{PASSWORD}\n", start_new_session=True,
                              timeout=300)
        assert done.returncode == 0, f"README step failed: {line}\n{done.stdout}\n{done.stderr}"

    # 1. the secrets: what compose.yaml requires, safe for production
    secrets = dict(line.split("=", 1) for line in (checkout / "docker" / ".env").read_text().splitlines())
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker" / "compose.yaml").read_text()))
    assert set(secrets) == required
    refuse_unsafe_settings({"ANTIFRAUD_ENV": "production", "SECRET_KEY": secrets["SECRET_KEY"]}, environ={})
    assert len(crypto.key_from_settings({"ANTIFRAUD_ENV": "production",
                                         "PERSONAL_DATA_KEY": secrets["PERSONAL_DATA_KEY"]})) == 32
    assert len(audit_key_from_settings({"ANTIFRAUD_ENV": "production",
                                        "AUDIT_KEY": secrets["AUDIT_KEY"]})) == 32

    # 2. migrated; 3. the three administrators; 4. the units and precincts; 5. a backup, restored
    engine = make_engine(database_url)
    try:
        assert migrate.is_current(engine)
        with Session(engine) as session:
            made = {u.username: u for u in session.scalars(select(User))}
            for role in ("sysadmin", "secadmin", "auditor"):
                assert made[role].role == role and made[role].unit_id is None
                assert made[role].must_change_password
            assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == BOUNDARIES_IMPORTED))
            assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == audit.UNITS_IMPORTED))
            assert set(session.scalars(select(OrgUnit.code))) == codes
            assert all(u.geometry for u in session.scalars(select(OrgUnit).where(OrgUnit.level == "station")))
        archives = list(backups.glob("antifraud-*.tar"))
        assert len(archives) == 1 and not list(instance.glob("antifraud-*.tar"))
        assert row_counts(engine) == read_manifest(archives[0]).rows
    finally:
        engine.dispose()
    handled = shim_log.read_text()
    assert "docker itself: stop app escalation" in handled and "db: dropdb" in handled
    assert "app: antifraud restore" in handled


def test_the_cron_line_runs_the_backup_script_with_a_folder():
    (line,) = cron_lines()
    fields = line.split()
    assert len(fields[:5]) == 5 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5])
    script = fields[5]
    assert script.endswith("/docker/nightly-backup.sh") and fields[6].startswith("/")
    assert (ROOT / "docker" / "nightly-backup.sh").stat().st_mode & 0o111
    assert subprocess.run(["sh", "-n", str(ROOT / "docker" / "nightly-backup.sh")]).returncode == 0
