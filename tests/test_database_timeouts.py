"""A database that accepts connections and never answers costs a bounded wait, not a hang; every
web statement on PostgreSQL has a time limit (``DATABASE_CONNECT_TIMEOUT``,
``DATABASE_STATEMENT_TIMEOUT``).

The guard below (``GUARD`` seconds) only tells a hang from an answer: with no
timeout psycopg waits for good on such a server.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from dashboard.db import DatabaseUnreachable, check_reachable, make_engine

GUARD = 60


@pytest.fixture
def silent_server(silent_port):
    """A PostgreSQL URL whose server accepts connections and never says a word."""
    return f"postgresql+psycopg://antifraud@127.0.0.1:{silent_port}/antifraud"


def _within_guard(work):
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert not thread.is_alive(), "still waiting on a database that never answers"
    return outcome


def test_a_silent_database_is_reported_unreachable(silent_server):
    engine = make_engine(silent_server, connect_timeout=1)
    outcome = _within_guard(lambda: check_reachable(engine))
    assert isinstance(outcome.get("error"), DatabaseUnreachable), outcome


def test_a_command_says_one_line_about_a_silent_database(silent_server, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setenv("DATABASE_URL", silent_server)
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "1")
    outcome = _within_guard(lambda: main(["init-db"]))
    assert outcome.get("value") == 2, outcome
    err = capsys.readouterr().err.strip()
    assert err.startswith("antifraud init-db: database") and len(err.splitlines()) == 1


def test_health_answers_503_about_a_silent_database(silent_server, tmp_path):
    from dashboard import create_app

    app = create_app({"DATABASE_URL": silent_server, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                      "DATABASE_CONNECT_TIMEOUT": 1})
    outcome = _within_guard(lambda: app.test_client().get("/healthz"))
    assert outcome["value"].status_code == 503
    assert outcome["value"].get_json()["database"] == "unreachable"


def test_web_statements_have_a_time_limit_on_postgresql(engine, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no statement timeout; its writers wait at most its busy timeout")
    from dashboard import create_app

    url = engine.url.render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with app.extensions["database"].engine.connect() as conn:
        assert conn.scalar(text("SHOW statement_timeout")) == "30s"
    limited = make_engine(url, statement_timeout=1)
    with limited.connect() as conn:
        assert conn.scalar(text("SHOW statement_timeout")) == "1s"
        with pytest.raises(Exception, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(3)"))
    limited.dispose()
