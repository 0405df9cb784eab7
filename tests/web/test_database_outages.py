"""A database that drops, refuses writes or is away: every request still gets the app's own answer.

- a connection dropped in the middle of a request (PostgreSQL: the backend is
  terminated, as a restart or failover does; SQLite: the file's connection is
  closed under it) answers the API's JSON with an incident id, the login form
  with the reason, never the WSGI server's bare 500 (which a teardown that
  raised used to cause), and the next request works;
- a database that refuses writes makes ``/healthz`` say ``read-only`` and the
  login page say so in the user's language;
- ``database_fault`` tells outages from statement errors.
"""

from __future__ import annotations

import re
import sqlite3

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from dashboard import create_app
from dashboard.db import (
    READ_ONLY,
    TIMED_OUT,
    UNAVAILABLE,
    DatabaseUnreachable,
    database_fault,
    make_engine,
)
from dashboard.demo.units import build_demo_units
from dashboard.demo.users import create_demo_users
from dashboard.i18n import translate
from dashboard.ingest.tokens import create_token
from tests.conftest import ORIGIN
from tests.ingest.conftest import warning


def _wrapped(kind, original):
    return kind("SELECT 1", {}, original)


@pytest.mark.parametrize(("error", "fault"), [
    (_wrapped(OperationalError, psycopg.errors.AdminShutdown("terminating connection")), UNAVAILABLE),
    (_wrapped(OperationalError, psycopg.OperationalError("server closed the connection")), UNAVAILABLE),
    (_wrapped(InterfaceError, psycopg.InterfaceError("the connection is closed")), UNAVAILABLE),
    (_wrapped(OperationalError, psycopg.errors.ReadOnlySqlTransaction("read-only transaction")), READ_ONLY),
    (_wrapped(OperationalError, psycopg.errors.DiskFull("could not extend file")), READ_ONLY),
    (_wrapped(OperationalError, psycopg.errors.QueryCanceled("statement timeout")), TIMED_OUT),
    (_wrapped(OperationalError, sqlite3.OperationalError("attempt to write a readonly database")), READ_ONLY),
    (_wrapped(OperationalError, sqlite3.OperationalError("database or disk is full")), READ_ONLY),
    (_wrapped(OperationalError, sqlite3.OperationalError("unable to open database file")), UNAVAILABLE),
    (_wrapped(OperationalError, sqlite3.OperationalError("database is locked")), UNAVAILABLE),
    (DatabaseUnreachable("database is unreachable"), UNAVAILABLE),
    # the driver's own, unwrapped (psycopg's COPY of the ingest raises them so)
    (psycopg.OperationalError("consuming input failed: server closed the connection"), UNAVAILABLE),
    (psycopg.errors.ReadOnlySqlTransaction("read-only transaction"), READ_ONLY),
    (sqlite3.OperationalError("no such table: warnings"), None),
    # a statement that is wrong is the code's fault, not an outage
    (_wrapped(OperationalError, sqlite3.OperationalError("no such table: warnings")), None),
    (_wrapped(ProgrammingError, psycopg.errors.UndefinedTable("relation does not exist")), None),
    (_wrapped(IntegrityError, psycopg.errors.UniqueViolation("duplicate key")), None),
    (ValueError("not a database error"), None),
])
def test_database_fault_tells_an_outage_from_a_wrong_statement(error, fault):
    assert database_fault(error) == fault


@pytest.fixture
def outage_app(engine, tmp_path):
    """The app on a database with the demo units and users, and an ingest token; the URL used."""
    with Session(engine) as session, session.begin():
        build_demo_units(session)
        create_demo_users(session)
        token = create_token(session, "upstream")[1]
    url = engine.url.render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    return app, token, url


def _drop_connection_at(app, statement_start: str):
    """The first statement starting with ``statement_start`` finds its connection dropped."""
    engine = app.extensions["database"].engine
    dropped = []

    def drop(conn, _cursor, statement, _parameters, _context, _many):
        if dropped or not statement.lstrip().upper().startswith(statement_start):
            return
        dropped.append(statement)
        raw = conn.connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            with make_engine(engine.url.render_as_string(hide_password=False)).connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid})
        else:
            raw.close()

    event.listen(engine, "before_cursor_execute", drop)
    return dropped


def _login_form(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)


def test_an_ingest_batch_whose_connection_drops_gets_json_with_an_incident(outage_app):
    app, token, _url = outage_app
    client = app.test_client()
    dropped = _drop_connection_at(app, "SELECT")
    answer = client.post("/api/v1/warnings", json=[warning(1)], headers={"Authorization": f"Bearer {token}"})
    assert dropped and answer.is_json, answer.get_data(as_text=True)[:200]
    body = answer.get_json()
    assert re.fullmatch(r"[0-9a-f]{12}", body["incident"])
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    assert body["error"]["field"] == "database" and body["database"] == UNAVAILABLE
    again = client.post("/api/v1/warnings", json=[warning(1)], headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200 and again.get_json()["inserted"] == 1


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_login_whose_connection_drops_gets_the_login_page_saying_so(outage_app, engine, lang):
    if engine.dialect.name != "postgresql":
        pytest.skip("a dropped connection is PostgreSQL's; SQLite's refusal is the read-only test")
    app, _token, _url = outage_app
    client = _in(app.test_client(), lang)
    csrf = _login_form(client)
    _drop_connection_at(app, "SELECT")
    page = client.post("/login", data={"username": "leader", "password": "x", "csrf_token": csrf})
    assert page.status_code == 503 and 'name="username"' in page.get_data(as_text=True)
    assert translate("error.database.unavailable", lang) in page.get_data(as_text=True)


def test_a_teardown_on_a_dropped_connection_does_not_replace_the_answer(outage_app, engine):
    """The view answered; the connection dies before the request's session is ended."""
    app, _token, _url = outage_app
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    assert client.get("/login").status_code == 200
    database = app.extensions["database"]
    real = database.sessionmaker

    def session_that_loses_its_connection():
        session = real()
        original = session.rollback

        def rollback():
            raise OperationalError("ROLLBACK", {}, psycopg.OperationalError("server closed the connection"))
        session.rollback = rollback
        session.info["restore"] = original
        return session

    database.sessionmaker = session_that_loses_its_connection
    try:
        csrf = _login_form(client)
        answer = client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": csrf})
    finally:
        database.sessionmaker = real
    assert answer.status_code == 200 and 'name="username"' in answer.get_data(as_text=True)


def _read_only(url: str) -> str:
    """``url`` as a connection that may read and not write (a standby, a read-only file)."""
    if url.startswith("postgresql"):
        return url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20")
    return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"


def _in(client, lang: str):
    client.environ_base["HTTP_ORIGIN"] = ORIGIN
    client.get(f"/lang/{lang}")
    return client


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_database_that_refuses_writes_is_said_by_healthz_and_the_login_page(outage_app, tmp_path, lang):
    _app, _token, url = outage_app
    app = create_app({"DATABASE_URL": _read_only(url), "INSTANCE_PATH": str(tmp_path / "ro"),
                      "TESTING": True})
    try:
        client = _in(app.test_client(), lang)
        health = client.get("/healthz")
        assert health.status_code == 200, health.get_json()
        body = health.get_json()
        assert (body["status"], body["database"], body["migrations"]) == ("degraded", "read-only", "current")
        page = client.post("/login", data={"username": "leader", "password": "Wrong-password-1",
                                           "csrf_token": _login_form(client)})
        assert page.status_code == 503, page.get_data(as_text=True)[:300]
        assert translate("error.database.read_only", lang) in page.get_data(as_text=True)
    finally:
        app.extensions["database"].dispose()


def test_a_writable_database_is_healthy(outage_app):
    app, _token, _url = outage_app
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["database"] == "reachable"
