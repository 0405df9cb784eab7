"""Shared fixtures: databases on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.

- ``engine``: an empty migrated database with the reference lists per test
  (SQLite: a copy of a template file; PostgreSQL: a schema of this run,
  emptied of what the last test wrote, ``tests/empty_database.py``).
- ``seeded_engine``: a small two-year demo history, built once per run and
  backend; tests must not write to it.
- ``app``: the real Flask + Dash app over the seeded database (which holds
  the demo users of every role, password ``DEMO_PASSWORD``).
- ``client``: a test client logged in as the demo leader (the whole city);
  ``logged_in_client(role)`` logs in as another demo role,
  ``anonymous_client`` not at all.  ``login(client, username)`` is the form
  login; afterwards the client sends our ``Origin`` and the CSRF header as
  the browser does.
- Password hashing uses cheap argon2 parameters for the whole run.

If TEST_DATABASE_URL is set and its server cannot be reached, the run stops
with an error: PostgreSQL tests never skip silently.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from dashboard.auth import audit_key
from dashboard.db import DatabaseUnreachable, check_reachable, make_engine
from dashboard.domain import personal_data as crypto
from dashboard.domain.base import SHANGHAI
from dashboard.migrate import upgrade
from tests.empty_database import PostgresReset, load_reference_lists

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
RUN_ID = uuid.uuid4().hex[:8]
SEED_END = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
SEED_DAILY = 120


# random-looking, as production requires (tests/deploy serves it with ANTIFRAUD_ENV=production)
TEST_PERSONAL_DATA_KEY = base64.b64encode(hashlib.sha256(b"antifraud test key").digest()).decode()
TEST_AUDIT_KEY = base64.b64encode(hashlib.sha256(b"antifraud test audit key").digest()).decode()


def pytest_addoption(parser):
    parser.addoption("--update-shots", action="store_true",
                     help="browser journeys save their screenshots to docs/screenshots/")


def pytest_configure(config):
    # one personal-data key for the whole run, whatever order fixtures run in
    os.environ["PERSONAL_DATA_KEY"] = TEST_PERSONAL_DATA_KEY
    crypto.install_key({"PERSONAL_DATA_KEY": TEST_PERSONAL_DATA_KEY})
    os.environ["AUDIT_KEY"] = TEST_AUDIT_KEY
    audit_key.install_audit_key({"AUDIT_KEY": TEST_AUDIT_KEY})
    # local state (the default SQLite file, the audit checkpoints) of any app or command that
    # names no folder goes to this run's own, never to the checkout's instance/ shared by runs
    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="antifraud-instance-")
    if PG_URL:
        engine = make_engine(PG_URL)
        try:
            check_reachable(engine)
        except DatabaseUnreachable as exc:
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {exc}", returncode=2)
        finally:
            engine.dispose()


def schema_url(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


class TestDatabase:
    """A migrated database of one backend, created for this run and removed after it.

    SQLite: the file ``<tmp_dir>/<name>.db``, migrated if it is not yet (it may be a copy).
    """

    def __init__(self, backend: str, name: str, tmp_dir, renamed_from: str | None = None) -> None:
        """``renamed_from``: PostgreSQL only, a migrated schema (a restored dump) to take, renamed."""
        self.backend = backend
        self.schema = f"t{RUN_ID}_{name}"
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_dir}/{name}.db"
        else:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
                conn.execute(text(f'ALTER SCHEMA "{renamed_from}" RENAME TO "{self.schema}"' if renamed_from
                                  else f'CREATE SCHEMA "{self.schema}"'))
            self.url = schema_url(PG_URL, self.schema)
        self.engine = make_engine(self.url)
        if renamed_from is None:
            upgrade(self.engine)

    def drop(self) -> None:
        self.engine.dispose()
        if self.backend == "postgresql":
            admin = make_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory) -> Iterator[dict[str, TestDatabase]]:
    """Per backend, a migrated database with the reference lists loaded (``tests/empty_database.py``)."""
    tmp = tmp_path_factory.mktemp("templates")
    made = {backend: TestDatabase(backend, "empty", tmp) for backend in BACKENDS}
    load_reference_lists(made["sqlite"].engine)
    made["sqlite"].engine.dispose()
    reset = PostgresReset(made["postgresql"].engine) if "postgresql" in made else None
    yield made, reset
    for database in made.values():
        database.drop()


@pytest.fixture(params=BACKENDS)
def engine(request, template_databases, tmp_path) -> Iterator[Engine]:
    """An empty, migrated database with the reference lists loaded."""
    templates, reset = template_databases
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(templates["sqlite"].url.removeprefix("sqlite:///"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        reset()
        engine = templates["postgresql"].engine
    yield engine
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def seed_test_history(engine: Engine) -> None:
    """Two years of demo history at a small daily volume, the same for every test database."""
    from dashboard.demo.seed import seed_demo

    seed_demo(engine, days=730, end=SEED_END, seed=11, daily_warnings=SEED_DAILY)


def _run_folder(tmp_path_factory):
    """The run's temporary folder, shared by the xdist workers (above each worker's own)."""
    shared = tmp_path_factory.getbasetemp()
    return shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared


def seeded_sqlite(tmp_path_factory, name: str) -> TestDatabase:
    """A SQLite copy of the run's seeded history, which the first worker to need it seeds.

    The seeding takes about ten seconds; the copy a fraction of one.  Under
    xdist the workers share the run's temporary folder, so the file is seeded
    once for the run, under a lock, and each session fixture gets its own copy.
    """
    shared = _run_folder(tmp_path_factory)
    source = shared / "seeded-history.db"
    with open(shared / "seeded-history.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not source.exists():
            partial = TestDatabase("sqlite", "seeded-history.partial", shared)
            seed_test_history(partial.engine)
            partial.drop()
            os.replace(shared / "seeded-history.partial.db", source)
    folder = tmp_path_factory.mktemp(name)
    shutil.copyfile(source, folder / f"{name}.db")
    return TestDatabase("sqlite", name, folder)


def seeded_postgresql(tmp_path_factory, name: str) -> TestDatabase:
    """A PostgreSQL schema of this worker holding the run's seeded history, seeded once for the run.

    Seeding takes most of a minute on PostgreSQL; restoring a dump of it a few
    seconds.  The first worker to need it seeds a schema, dumps it
    (``pg_dump``) into the run's folder and drops it; then each worker, under
    a lock, restores the dump (which recreates that schema) and renames the
    schema to its own.  Without ``pg_dump`` each worker seeds its own.
    """
    from dashboard.backup import _libpq, _run
    from dashboard.demo.seed import analyze

    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        database = TestDatabase("postgresql", name, tmp_path_factory.mktemp(name))
        seed_test_history(database.engine)
        return database
    shared = _run_folder(tmp_path_factory)
    dump, dumped_schema = shared / "seeded-history.pgdump", shared / "seeded-history.pgdump.schema"
    with open(shared / "seeded-history-pg.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not dump.exists():
            source = TestDatabase("postgresql", "seeded_source", tmp_path_factory.mktemp("seeded_source"))
            seed_test_history(source.engine)
            url, schema_args = _libpq(source.engine)
            _run(["pg_dump", "--format=custom", "--no-owner", *schema_args,
                  "--file", str(shared / "seeded-history.partial"), url])
            source.drop()
            dumped_schema.write_text(source.schema, encoding="utf-8")
            os.replace(shared / "seeded-history.partial", dump)
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(make_engine(PG_URL))[0],
              str(dump)])
        database = TestDatabase("postgresql", name, None, renamed_from=dumped_schema.read_text(encoding="utf-8"))
    analyze(database.engine)  # the planner's statistics, as the seed leaves them (a dump holds none)
    return database


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_database(request, tmp_path_factory) -> Iterator[TestDatabase]:
    """Two years of demo history at a small daily volume (read-only for tests)."""
    if request.param == "sqlite":
        database = seeded_sqlite(tmp_path_factory, "seeded")
    else:
        database = seeded_postgresql(tmp_path_factory, "seeded")
    yield database
    database.drop()


@pytest.fixture(scope="session")
def seeded_engine(seeded_database) -> Engine:
    return seeded_database.engine


@pytest.fixture
def seeded_session(seeded_engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session
        session.rollback()


@pytest.fixture
def app(seeded_database, tmp_path):
    from dashboard import create_app

    return create_app({"DATABASE_URL": seeded_database.url, "INSTANCE_PATH": str(tmp_path),
                       "TESTING": True})


ORIGIN = "http://localhost"


def login(client, username: str, password: str | None = None):
    """Log ``client`` in through the login form; returns the answer to the POST."""
    import re

    from dashboard.demo.users import DEMO_PASSWORD

    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": username, "csrf_token": token,
                                           "password": DEMO_PASSWORD if password is None else password})
    cookie = client.get_cookie("_csrf_token")
    if cookie is not None:
        client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return response


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Cheap argon2 for the whole run: logins in tests and demo users written by seeding."""
    from argon2 import PasswordHasher

    from dashboard.auth import passwords

    old = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    passwords.use_hasher(old)


@pytest.fixture
def anonymous_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    return client


@pytest.fixture
def logged_in_client(app):
    """Factory: ``logged_in_client("officer")``, a client logged in as that demo user."""
    def make(role: str = "leader"):
        client = app.test_client()
        response = login(client, role)
        assert response.status_code == 302, f"demo user {role!r} could not log in"
        return client

    return make


@pytest.fixture
def client(logged_in_client):
    """A client logged in as the demo leader (the whole city)."""
    return logged_in_client("leader")


@pytest.fixture
def cli_database(tmp_path, monkeypatch) -> Iterator[Engine]:
    """A migrated SQLite file with the reference lists, named by ``DATABASE_URL`` for the commands."""
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    engine = make_engine(url)
    upgrade(engine)
    load_reference_lists(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on loopback that accepts connections (the kernel's backlog) and never says a word:
    a database or Redis that hangs."""
    import socket

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()
