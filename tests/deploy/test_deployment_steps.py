"""The README's deployment section, followed step by step on this machine (all but Docker itself).

The test reads every ``sh`` block of the section and runs each line, in
order, in a scratch copy of ``docker/`` with ``tests/deploy/docker_shim.py``
standing in for ``docker``: what would run in our image runs here with the
container's environment (from ``compose.yaml`` and the ``docker/.env`` the
first step writes) against a fresh database of the test (PostgreSQL when
``TEST_DATABASE_URL`` is set, else SQLite).  Host paths of the README
(``/srv/...``) go to the test's folder.  Two things the README's steps
cannot do yet are done by the test in between, as a bureau would: the units
(no command loads a bureau's own unit list yet, the README says so; the
demo's units stand in) and the bureau's precinct file (the demo's stations).
"""

from __future__ import annotations

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
from dashboard.auth import crypto
from dashboard.auth.startup import refuse_unsafe_settings
from dashboard.backup import read_manifest, row_counts
from dashboard.db import make_engine
from dashboard.demo.units import build_demo_units
from dashboard.domain import AuditEntry, OrgUnit, User
from dashboard.geo.boundaries import BOUNDARIES_IMPORTED
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


def units_and_precinct_file(url: str, folder: Path) -> None:
    """What the README cannot do yet: the bureau's units; and the file the bureau brings."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        build_demo_units(session)
        stations = sorted((u for u in session.scalars(select(OrgUnit)) if u.level == "station"),
                          key=lambda u: u.code)
        frame = gpd.GeoDataFrame({"code": [u.code for u in stations], "name": [u.name_zh for u in stations]},
                                 geometry=[shape(json.loads(u.geometry)) for u in stations], crs="EPSG:4326")
        for unit in stations:  # the bureau's precincts are news to the database
            unit.geometry, unit.centroid_lon, unit.centroid_lat = None, None, None
    engine.dispose()
    frame.to_file(folder / "precincts.geojson", driver="GeoJSON", engine="pyogrio")


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
    backups = host / "antifraud-backups"
    for line in steps:
        if any(marker in line for marker in SKIPPED):
            continue
        command = line.replace("/srv/", f"{host}/")
        example = re.search(r"antifraud-\d{8}-\d{6}\.tar", command)
        if example:  # the README's example archive name: the archive just written
            command = command.replace(example.group(), max(backups.glob("antifraud-*.tar")).name)
        if "precincts.geojson" in command and not (checkout / "precincts.geojson").exists():
            units_and_precinct_file(database_url, checkout)
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

    # 2. migrated; 3. the admin; 4. the precincts; 5. a verified backup, restored
    engine = make_engine(database_url)
    try:
        assert migrate.is_current(engine)
        with Session(engine) as session:
            admin = session.scalar(select(User).where(User.username == "admin"))
            assert admin is not None and admin.role == "admin" and admin.unit_id is None
            assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == BOUNDARIES_IMPORTED))
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
