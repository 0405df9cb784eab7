"""Four gunicorn workers, one truth: the production start-up run for real on PostgreSQL and Redis.

``docker/entrypoint.sh`` migrates (``antifraud init-db``) and starts gunicorn
with ``docker/gunicorn.conf.py`` and 4 workers, in production mode, against
the machine's PostgreSQL (``TEST_DATABASE_URL``, a schema of this run) and
Redis (``TEST_REDIS_URL``, default 127.0.0.1:6379, keys under a prefix of
this run, deleted afterwards).  Each check asserts that its requests were
served by more than one worker, so that a per-process answer would fail it.

Without ``TEST_DATABASE_URL`` the module skips (it needs PostgreSQL); with it,
an unreachable PostgreSQL stops the run (tests/conftest.py) and an
unreachable Redis fails here.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashboard.auth.passwords import hash_password
from dashboard.commands.tasks import IssueTask
from dashboard.db import make_engine
from dashboard.demo.units import build_demo_units
from dashboard.domain import OrgUnit, TaskEvent, User
from dashboard.domain.base import now_local
from dashboard.domain.jobs import JobLease
from dashboard.i18n import t
from dashboard.ingest.tokens import create_token
from tests.conftest import PG_URL, RUN_ID, TEST_AUDIT_KEY, TEST_PERSONAL_DATA_KEY, schema_url
from tests.deploy.conftest import REDIS_URL
from tests.deploy.server import GunicornServer

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL (CI sets it to the machine's server)")

PASSWORD = "Harbour-watch-2026!"
LIMITS = {"LOGIN_MAX_FAILURES": 5, "LOGIN_ADDRESS_MAX_FAILURES": 6, "INGEST_RATE_LIMIT_PER_MINUTE": 6}
WORKERS = 4
LOCKOUT_USERS = ("duty.press", "duty.press2", "duty.press3")


@pytest.fixture(scope="module")
def stack(redis_client, tmp_path_factory):
    """The served app: ``server``, ``engine`` (its database), ``prefix`` (its Redis keys)."""
    schema = f"t{RUN_ID}_gunicorn"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = schema_url(PG_URL, schema)
    prefix = f"antifraud-test-{RUN_ID}:"
    env = {key: value for key, value in os.environ.items()
           if key in ("HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")}
    env.update({
        "ANTIFRAUD_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
        "PERSONAL_DATA_KEY": TEST_PERSONAL_DATA_KEY, "AUDIT_KEY": TEST_AUDIT_KEY,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        "REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix, "LIVE_CACHE_SECONDS": "300",
        "WEB_CONCURRENCY": str(WORKERS),
        "SECURE_COOKIES": "false",  # plain HTTP here: the bureau's HTTPS proxy is not part of it
        # production asks every role for a second factor; these tests log in by password only
        # (what they check is shared state across workers, not the second factor)
        "TOTP_REQUIRED_ROLES": "sysadmin,secadmin,auditor",
        "PROXY_HOPS": "1",  # so each test can be a client of its own (X-Forwarded-For)
        # the worst case for "once, not once per worker": every worker runs the job's loop
        "ESCALATION_IN_PROCESS": "true", "ESCALATION_INTERVAL_SECONDS": "1",
        **{key: str(value) for key, value in LIMITS.items()},
    })
    server = GunicornServer(env, tmp_path_factory.mktemp("gunicorn"))
    engine = make_engine(url)
    try:
        server.start()
        yield {"server": server, "engine": engine, "prefix": prefix}
    finally:
        server.stop()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        keys = list(redis_client.scan_iter(match=prefix + "*"))
        if keys:
            redis_client.delete(*keys)


@pytest.fixture(scope="module")
def city(stack):
    """Units, users of several roles, two ingest tokens and three overdue tasks, written after start."""
    with Session(stack["engine"]) as session, session.begin():
        build_demo_units(session)
        units = {u.code: u for u in session.scalars(select(OrgUnit))}
        made = {}
        accounts = [("duty.leader", "leader", "350200"), ("duty.commander", "commander", "350203"),
                    *((name, "press", "350200") for name in LOCKOUT_USERS)]
        for name, role, unit in accounts:
            made[name] = User(username=name, display_name=name, role=role, unit_id=units[unit].id,
                              password_hash=hash_password(PASSWORD), is_active=True, failed_logins=0)
            session.add(made[name])
        session.flush()
        issued = now_local().replace(microsecond=0) - timedelta(hours=2)
        tasks = [IssueTask(made["duty.commander"], "door_visit", "urgent", f"上门劝阻 {n}",
                           target_units=[code]).run(session, issued)[0]
                 for n, code in enumerate(("35020301", "35020302", "35020303"))]
        tokens = {source: create_token(session, source)[1] for source in ("upstream", "flood")}
        session.flush()
        return {"city": units["350200"].id, "tasks": [task.id for task in tasks], "tokens": tokens}


def browser(address: str) -> requests.Session:
    """A client that comes from ``address`` (the one trusted proxy hop says so)."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment for 127.0.0.1
    session.headers["X-Forwarded-For"] = address
    return session


def login(server, client: requests.Session, username: str, password: str):
    form, _ = server.request(client, "GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return server.request(client, "POST", "/login", headers={"Origin": server.base},
                          data={"username": username, "password": password, "csrf_token": token})


def spread(call, enough: int = 12, most: int = 60) -> list[tuple]:
    """Call ``call()`` (-> (response, pid)) at least ``enough`` times, until two workers answered."""
    answers = []
    while len(answers) < most and (len(answers) < enough or len({pid for _, pid in answers}) < 2):
        answers.append(call())
    return answers


def served_by(answers) -> set[int]:
    return {pid for _, pid in answers}


def test_four_workers_serve_after_the_entrypoint_migrated(stack):
    server = stack["server"]
    assert len(server.worker_pids()) == WORKERS
    health = requests.get(f"{server.base}/healthz", timeout=10).json()
    assert health == {"status": "ok", "database": "reachable", "migrations": "current",
                      "redis": "reachable", "stale_sources": []}


def test_a_login_in_one_worker_is_valid_in_the_others_and_so_is_a_logout(stack, city):
    server = stack["server"]
    client = browser("10.0.1.1")
    answer, login_pid = login(server, client, "duty.leader", PASSWORD)
    assert answer.status_code == 302, answer.text[:300]
    after = spread(lambda: server.request(client, "GET", "/_dash-layout"))
    assert all(response.status_code == 200 for response, _ in after)
    assert served_by(after) - {login_pid}, "no other worker answered"

    csrf = client.cookies.get("_csrf_token")
    out, logout_pid = server.request(client, "POST", "/logout",
                                     headers={"Origin": server.base, "X-CSRFToken": csrf})
    assert out.status_code == 302
    gone = spread(lambda: server.request(client, "GET", "/_dash-layout"))
    assert all(response.status_code == 401 for response, _ in gone)
    assert served_by(gone) - {logout_pid}


def concurrent_failures(server, username: str, count: int) -> list[tuple]:
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(
        login(server, browser("10.0.2.1"), username, "wrong-guess"))) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_lockout_counts_failures_from_every_worker_even_at_once(stack, city):
    server = stack["server"]
    failures = LIMITS["LOGIN_MAX_FAILURES"]
    for username in LOCKOUT_USERS:  # another account if all the failures reached one worker
        answers = concurrent_failures(server, username, failures)
        if len(served_by(answers)) >= 2:
            break
    assert len(served_by(answers)) >= 2, "every try's failures reached a single worker"
    failed_text = t("auth.login.failed", "zh-CN", attempts=failures, minutes=15)
    assert len(answers) == failures and all(failed_text in r.text for r, _ in answers)
    refused, _ = login(server, browser("10.0.2.1"), username, PASSWORD)  # right, but too late
    assert refused.status_code == 200 and failed_text in refused.text
    with Session(stack["engine"]) as session:
        assert session.scalar(select(User.locked_until).where(User.username == username)) is not None


def test_the_login_rate_limit_of_an_address_counts_every_worker(stack, city):
    server = stack["server"]
    client = browser("10.0.3.1")
    limit = LIMITS["LOGIN_ADDRESS_MAX_FAILURES"]
    limited_text = t("auth.login.rate_limited", "zh-CN", minutes=15)
    counted = [login(server, client, f"nobody{n}", "wrong-guess") for n in range(limit)]
    assert not any(limited_text in r.text for r, _ in counted)
    # then refused, until a worker other than those that counted has refused too
    refused = []
    while len(refused) < 2 or (len(served_by(counted + refused)) < 2 and len(refused) < 40):
        refused.append(login(server, client, "nobody", "wrong-guess"))
    assert all(limited_text in r.text for r, _ in refused)
    assert len(served_by(counted + refused)) >= 2
    other, _ = login(server, browser("10.0.3.2"), "nobody", "wrong-guess")  # another address is not limited
    assert limited_text not in other.text


def warning_record(n: int, minutes_ago: int) -> dict:
    received = now_local().replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return {"source": "upstream", "external_id": f"GW-{RUN_ID}-{n}", "received_at": received.isoformat(),
            "fraud_type": "investment", "risk_level": "high", "channel": "call",
            "person": {"name": "王芳", "phone": f"1380000{n:04d}"}, "station_code": "35020301",
            "amount_at_risk": 50000}


def test_the_ingest_rate_limit_is_one_count_for_all_workers(stack, city):
    server = stack["server"]
    client = browser("10.0.4.1")
    headers = {"Authorization": f"Bearer {city['tokens']['flood']}"}
    answers = spread(lambda: server.request(client, "POST", "/api/v1/warnings", json=[],
                                            headers=headers), enough=LIMITS["INGEST_RATE_LIMIT_PER_MINUTE"] + 4)
    statuses = [response.status_code for response, _ in answers]
    limit = LIMITS["INGEST_RATE_LIMIT_PER_MINUTE"]
    assert statuses[:limit] == [400] * limit  # counted, then refused for being empty
    assert set(statuses[limit:]) == {429}
    assert all(0 < int(r.headers["Retry-After"]) <= 60 for r, _ in answers[limit:])
    assert len(served_by(answers)) >= 2


def test_the_live_counters_agree_across_workers(stack, city, redis_client):
    server = stack["server"]
    api = browser("10.0.5.1")
    headers = {"Authorization": f"Bearer {city['tokens']['upstream']}"}
    # 4 batches: 8 warnings now and 4 received 20 minutes ago (high risk: 15 minutes, so overdue)
    for batch in range(4):
        records = [warning_record(batch * 3 + i, 20 if i == 2 else 1) for i in range(3)]
        response, _ = server.request(api, "POST", "/api/v1/warnings", json=records, headers=headers)
        assert response.status_code == 200 and response.json()["inserted"] == 3, response.text[:300]

    client = browser("10.0.5.2")
    assert login(server, client, "duty.leader", PASSWORD)[0].status_code == 302
    body = {"output": "..overview-live-counters.children...overview-live-hourly.figure..",
            "outputs": [{"id": "overview-live-counters", "property": "children"},
                        {"id": "overview-live-hourly", "property": "figure"}],
            "inputs": [{"id": "overview-live-tick", "property": "n_intervals", "value": 1},
                       {"id": "overview-state", "property": "data", "value": {"unit": "350200"}}],
            "state": [],
            "changedPropIds": ["overview-live-tick.n_intervals"]}
    dash_headers = {"Origin": server.base, "X-CSRFToken": client.cookies.get("_csrf_token")}

    def counters():
        response, pid = server.request(client, "POST", "/_dash-update-component", json=body,
                                       headers=dash_headers)
        assert response.status_code == 200, response.text[:300]
        children = response.json()["response"]["overview-live-counters"]["children"]
        values = {child["props"]["children"][0]["props"]["id"]: child["props"]["children"][0]["props"]["children"]
                  for child in children if child["props"].get("className") == "live-counter"}
        time_label = next(c["props"]["children"] for c in children if c["props"].get("id") == "overview-live-time")
        return (values, time_label), pid

    answers = spread(counters)
    readings = [reading for reading, _ in answers]
    assert readings[0][0] == {"overview-live-recent": "12", "overview-live-open": "12",
                              "overview-live-overdue": "4"}
    # one count, shared through Redis: the same figures and "as of" time from every worker
    assert all(reading == readings[0] for reading in readings), readings
    assert len(served_by(answers)) >= 2
    assert redis_client.get(f"{stack['prefix']}live:v2:{city['city']}:30") is not None


def test_the_escalation_job_runs_in_one_worker_and_escalates_each_task_once(stack, city):
    server = stack["server"]
    engine = stack["engine"]
    workers = server.worker_pids()

    def escalations() -> dict[int, int]:
        with Session(engine) as session:
            return dict(session.execute(
                select(TaskEvent.task_id, func.count()).where(TaskEvent.action == "escalate",
                                                              TaskEvent.task_id.in_(city["tasks"]))
                .group_by(TaskEvent.task_id)).all())

    def holder() -> str:
        with Session(engine) as session:
            return session.scalar(select(JobLease.holder).where(JobLease.name == "task_escalation"))

    stop = threading.Event()
    for _ in range(150):  # every worker tries each second; wait for the passes to get through
        if set(escalations()) == set(city["tasks"]):
            break
        stop.wait(0.2)
    holders = set()
    for _ in range(8):  # several passes later: still one holder, still one escalation a task
        holders.add(holder())
        stop.wait(0.5)
    assert escalations() == dict.fromkeys(city["tasks"], 1)
    assert len(holders) == 1
    assert int(holders.pop().split(":")[1]) in workers
