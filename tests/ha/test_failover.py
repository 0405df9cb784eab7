"""Failover on a real pair: the primary dies under ingest and dashboard polling, the standby is promoted.

The test starts its own primary and synchronous standby (``dashboard/bench/pg_pair.py``,
free loopback ports, never the machine's server), migrates the primary, and
serves the app with ``DATABASE_URL`` listing both hosts
(``target_session_attrs=read-write``) and ``READ_DATABASE_URL`` preferring the
standby.  An ingest client sends batches (resending one answered 503 after its
``Retry-After``, as upstreams do) while a dashboard polls the overview's live
panel and the shell's failover notice.  The primary is killed
(``pg_ctl stop -m immediate``) and, once both have seen the outage, the
standby is promoted (``pg_ctl promote``).  Then:

- every poll was answered 200: from the standby during the outage (``X-Database:
  failover``, with the notice), from the primary again after the promotion;
- writes were refused during the outage with 503, ``Retry-After`` and a message
  saying so, and resumed after the promotion in the same app, with no restart;
- every batch answered 200 is on the new primary exactly once (the synchronous
  standby had it before the 200), and so is every batch sent;
- the aggregates equal a rebuild from the raw rows.

Missing PostgreSQL binaries skip it on a developer's machine and fail it on CI (``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashboard import create_app
from dashboard.aggregates import rebuild
from dashboard.bench.pg_pair import PgPair, find_binaries
from dashboard.db import make_engine
from dashboard.demo.units import build_demo_units
from dashboard.demo.users import create_demo_users
from dashboard.domain import Warning
from dashboard.ingest.tokens import create_token
from dashboard.migrate import upgrade
from tests.aggregates.test_rebuild import table_rows
from tests.conftest import login
from tests.empty_database import load_reference_lists
from tests.ingest.conftest import warning
from tests.web.test_read_database import LIVE_PANEL, NOTICE

BATCH_SIZE = 5


def required_binaries(found: Path | None) -> Path:
    """``found``, or the test fails on CI (``CI=true``: its machine has them) and skips elsewhere."""
    if found is None:
        message = "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_missing_binaries_fail_on_ci_and_skip_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        required_binaries(None)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        required_binaries(None)
    assert required_binaries(Path("/bin")) == Path("/bin")


@pytest.fixture
def pair():
    binaries = required_binaries(find_binaries())
    folder = Path(tempfile.mkdtemp(prefix="antifraud-ha-"))
    started = PgPair(folder, binaries, synchronous=True)
    try:
        yield started.start()
    finally:
        started.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _prepare(pair: PgPair) -> str:
    """Migrate the primary, load the reference lists, units and users; the ingest token."""
    engine = make_engine(pair.url([pair.primary_port], "read-write"))
    try:
        upgrade(engine)
        load_reference_lists(engine)
        with Session(engine) as session, session.begin():
            build_demo_units(session)
            create_demo_users(session)
            return create_token(session, "upstream")[1]
    finally:
        engine.dispose()


class Ingest(threading.Thread):
    """An upstream sending batches in turn, each again after a 503 until it is taken, until
    ``enough`` is set (``stop``: at once)."""

    def __init__(self, client, token: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client, self.token, self.stop = client, token, stop
        self.enough = threading.Event()
        self.sent = 0                          # batches begun
        self.acknowledged: list[str] = []      # external ids of the batches answered 200
        self.refusals: list = []               # (status, Retry-After, body) of the 503s
        self.others: list = []                 # any other answer or exception
        self.outage_seen = threading.Event()

    def run(self) -> None:
        try:
            while not self.enough.is_set() and not self.stop.is_set():
                number, self.sent = self.sent, self.sent + 1
                batch = [warning(number * BATCH_SIZE + j, external_id=f"HA-{number}-{j}")
                         for j in range(BATCH_SIZE)]
                while not self.stop.is_set():
                    answer = self.client.post("/api/v1/warnings", json=batch,
                                              headers={"Authorization": f"Bearer {self.token}"})
                    if answer.status_code == 200:
                        self.acknowledged += [record["external_id"] for record in batch]
                        time.sleep(0.01)
                        break
                    if answer.status_code != 503:
                        self.others.append((answer.status_code, answer.get_data(as_text=True)[:300]))
                        return
                    self.refusals.append((answer.status_code, answer.headers.get("Retry-After"),
                                          answer.get_json()))
                    self.outage_seen.set()
                    # an upstream waits Retry-After; the test waits a little, not 30 s
                    time.sleep(min(float(answer.headers.get("Retry-After") or 1), 0.1))
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.others.append(repr(error))


class Poller(threading.Thread):
    """A dashboard refreshing its live panel and the shell's failover notice in a loop."""

    def __init__(self, client, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client, self.stop = client, stop
        self.answers: list[tuple[int, str | None, bool]] = []  # (status, X-Database, notice shown)
        self.failures: list = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                live = self.client.post("/_dash-update-component", json=LIVE_PANEL)
                notice = self.client.post("/_dash-update-component", json=NOTICE)
                for answer in (live, notice):
                    if answer.status_code != 200:
                        self.failures.append((answer.status_code, answer.get_data(as_text=True)[:300]))
                shown = "failover in progress" in notice.get_data(as_text=True)
                self.answers.append((live.status_code, live.headers.get("X-Database"), shown))
                time.sleep(0.02)
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.failures.append(repr(error))

    def count(self, condition) -> int:
        return sum(1 for answer in list(self.answers) if condition(answer))


def test_dashboards_read_through_a_failover_and_no_acknowledged_batch_is_lost(pair, tmp_path):
    token = _prepare(pair)
    app = create_app({
        "DATABASE_URL": pair.url([pair.primary_port, pair.standby_port], "read-write"),
        "READ_DATABASE_URL": pair.url([pair.standby_port, pair.primary_port], "prefer-standby"),
        "DATABASE_CONNECT_TIMEOUT": 2, "FAILOVER_PROBE_SECONDS": 0.2,
        "INGEST_RATE_LIMIT_PER_MINUTE": 0, "DEFAULT_LANGUAGE": "en",
        "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    dashboard = app.test_client()
    assert login(dashboard, "leader").status_code == 302
    stop = threading.Event()
    ingest, poller = Ingest(app.test_client(), token, stop), Poller(dashboard, stop)
    ingest.start()
    poller.start()
    try:
        pair.wait_for(lambda: len(ingest.acknowledged) >= 5 * BATCH_SIZE and poller.answers,
                      "batches taken and polls answered before the outage")
        assert poller.count(lambda a: a[1] == "failover") == 0  # the primary serves
        pair.kill_primary()
        pair.wait_for(lambda: ingest.outage_seen.is_set()
                      and poller.count(lambda a: a[1] == "failover" and a[2]) >= 3,
                      "the outage seen by the ingest and by the dashboard")
        taken_in_outage = len(ingest.acknowledged)
        pair.promote()
        pair.wait_for(lambda: not pair.standby_in_recovery(), "the promotion")
        pair.wait_for(lambda: len(ingest.acknowledged) >= taken_in_outage + 3 * BATCH_SIZE,
                      "batches taken by the new primary", limit=60)
        ingest.enough.set()
        ingest.join(timeout=60)
        before = len(poller.answers)
        pair.wait_for(lambda: sum(a[1] is None for a in poller.answers[before:]) >= 3,
                      "polls served by the new primary")
    finally:
        stop.set()
        ingest.join(timeout=10)
        poller.join(timeout=10)
    app.extensions["database"].dispose()

    # reads never stopped: every poll answered, from the standby (with the notice) during the outage
    assert not poller.failures, poller.failures[:3]
    assert poller.count(lambda a: a[1] == "failover" and a[2]) >= 3
    assert poller.answers[-1][1] is None and not poller.answers[-1][2]  # the notice is gone again
    # writes failed clearly during the outage, and resumed after the promotion without a restart
    assert not ingest.others, ingest.others[:3]
    assert ingest.refusals and all(int(retry) > 0 for _status, retry, _body in ingest.refusals)
    assert all(body["error"]["field"] == "database" and body["incident"]
               for _status, _retry, body in ingest.refusals)
    assert {body["database"] for _status, _retry, body in ingest.refusals} <= {"unavailable", "failover"}
    assert any(body["database"] == "failover" and "failover in progress" in body["error"]["reason"]
               for _status, _retry, body in ingest.refusals)
    assert len(ingest.acknowledged) == ingest.sent * BATCH_SIZE  # every batch sent was taken

    engine = make_engine(pair.url([pair.standby_port], "read-write"))  # the new primary
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(select(Warning.external_id, func.count())
                                       .where(Warning.source == "upstream")
                                       .group_by(Warning.external_id)).all())
            assert set(stored) == set(ingest.acknowledged)   # every batch answered 200 is there
            assert set(stored.values()) == {1}               # exactly once
            assert conn.scalar(text("SELECT pg_is_in_recovery()")) is False
            written = table_rows(conn)
            rebuild(conn)
            assert table_rows(conn) == written                # aggregates equal the raw rows
            conn.rollback()
    finally:
        engine.dispose()
