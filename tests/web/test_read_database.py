"""``READ_DATABASE_URL``: the dashboards read there, and serve from there while the primary is away.

On both backends, with the read database the same as the primary (the real pair, a primary and
its standby, is tests/ha/test_failover.py):

- unset, nothing changes: one engine, the dashboards' reads in the request's own session;
- set, the overview's live panel reads on the read engine, a login on the primary only;
- the primary lost: polls are answered from the read database with ``X-Database: failover``
  and the shell's notice in the reader's language, a poll whose connection drops in the middle
  is served again from the read database, ``/healthz`` says ``failover``, the ingest API answers
  503 with ``Retry-After``, and all is back when the primary is, without a restart.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from dashboard import create_app
from dashboard.demo.units import build_demo_units
from dashboard.demo.users import create_demo_users
from dashboard.i18n import translate
from dashboard.ingest.tokens import create_token
from dashboard.web.database import read_session, request_session
from tests.conftest import login
from tests.ingest.conftest import warning
from tests.web.test_database_outages import _in
from tests.web.test_overview import LIVE_PANEL

NOTICE = {"output": "shell-failover.children", "outputs": {"id": "shell-failover", "property": "children"},
          "inputs": [{"id": "shell-failover-tick", "property": "n_intervals", "value": 1}],
          "state": [], "changedPropIds": ["shell-failover-tick.n_intervals"]}


@pytest.fixture
def prepared(engine):
    """The database's URL, with the demo units and users and an ingest token."""
    with Session(engine) as session, session.begin():
        build_demo_units(session)
        create_demo_users(session)
        token = create_token(session, "upstream")[1]
    return engine.url.render_as_string(hide_password=False), token


def _app(url: str, tmp_path, read_url: str | None = None):
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
              "FAILOVER_PROBE_SECONDS": 0}
    if read_url:
        config["READ_DATABASE_URL"] = read_url
    return create_app(config)


def _statements(engine) -> list[str]:
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def _lost(dialect: str):
    original = (psycopg.OperationalError("connection refused") if dialect == "postgresql"
                else sqlite3.OperationalError("unable to open database file"))
    return OperationalError("connect", {}, original)


class PrimaryOutage:
    """The primary engine of ``app`` made unreachable (every new connection refused) and healed."""

    def __init__(self, app) -> None:
        self.database = app.extensions["database"]
        self.engine = self.database.engine

    def refuse(self, *_args, **_kwargs):
        raise _lost(self.engine.dialect.name)

    def __enter__(self):
        self.engine.dispose()
        event.listen(self.engine, "do_connect", self.refuse)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "do_connect", self.refuse)


def test_without_a_read_database_the_dashboards_read_in_the_requests_session(prepared, tmp_path):
    url, _token = prepared
    app = _app(url, tmp_path)
    database = app.extensions["database"]
    assert not database.replicated and database.read_engine is database.engine
    with app.test_request_context("/"):
        assert read_session() is request_session()
    app.extensions["database"].dispose()


def test_the_live_panel_reads_on_the_read_database_and_a_login_does_not(prepared, tmp_path):
    url, _token = prepared
    app = _app(url, tmp_path, read_url=url)
    database = app.extensions["database"]
    assert database.replicated and database.read_engine is not database.engine
    read = _statements(database.read_engine)
    client = app.test_client()
    assert login(client, "leader").status_code == 302
    assert read == []  # sessions, login and its audit rows: the primary
    answer = client.post("/_dash-update-component", json=LIVE_PANEL)
    assert answer.status_code == 200 and "X-Database" not in answer.headers
    assert any("warning" in statement for statement in read)
    database.dispose()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_while_the_primary_is_away_reads_go_on_and_writes_say_so(prepared, tmp_path, lang):
    url, token = prepared
    app = _app(url, tmp_path, read_url=url)
    client = _in(app.test_client(), lang)
    assert login(client, "leader").status_code == 302
    upstream = app.test_client()
    with PrimaryOutage(app):
        live = client.post("/_dash-update-component", json=LIVE_PANEL)
        assert live.status_code == 200 and live.headers["X-Database"] == "failover"
        notice = client.post("/_dash-update-component", json=NOTICE)
        assert translate("failover.notice.title", lang) in notice.get_data(as_text=True)
        shell = client.get("/_dash-layout")  # a page opened during the outage has it from the start
        assert shell.status_code == 200
        assert translate("failover.notice.title", lang) in shell.get_data(as_text=True)
        batch = upstream.post("/api/v1/warnings", json=[warning(1)],
                              headers={"Authorization": f"Bearer {token}"})
        assert batch.status_code == 503 and int(batch.headers["Retry-After"]) > 0
        assert batch.get_json()["database"] == "failover"
        health = client.get("/healthz")
        assert health.status_code == 200 and health.get_json()["database"] == "failover"
    live = client.post("/_dash-update-component", json=LIVE_PANEL)
    assert live.status_code == 200 and "X-Database" not in live.headers
    notice = client.post("/_dash-update-component", json=NOTICE)
    assert translate("failover.notice.title", lang) not in notice.get_data(as_text=True)
    batch = upstream.post("/api/v1/warnings", json=[warning(1)], headers={"Authorization": f"Bearer {token}"})
    assert batch.status_code == 200 and batch.get_json()["inserted"] == 1
    app.extensions["database"].dispose()


def test_a_poll_whose_primary_dies_in_the_middle_is_served_again_from_the_read_database(prepared, tmp_path):
    url, _token = prepared
    app = _app(url, tmp_path, read_url=url)
    client = app.test_client()
    assert login(client, "leader").status_code == 302
    outage = PrimaryOutage(app)
    died = []

    def die(conn, _cursor, _statement, _parameters, _context, _many):
        if not died:  # the primary goes away under this statement, and stays away
            died.append(True)
            outage.__enter__()
            raise _lost(conn.dialect.name)

    event.listen(outage.engine, "before_cursor_execute", die)
    try:
        live = client.post("/_dash-update-component", json=LIVE_PANEL)
    finally:
        event.remove(outage.engine, "before_cursor_execute", die)
        outage.__exit__()
    assert died and live.status_code == 200, live.get_data(as_text=True)[:300]
    assert live.headers["X-Database"] == "failover"
    app.extensions["database"].dispose()
