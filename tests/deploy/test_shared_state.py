"""What the workers share: the sliding-window counter, the cache, the ingest limit, the live figures."""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard import create_app
from dashboard.demo.units import build_demo_units
from dashboard.domain import Warning
from dashboard.ingest.tokens import create_token
from dashboard.metrics.units import unit_view
from dashboard.web import shared
from dashboard.web.live_cache import decode, encode, live_figures
from tests.conftest import SEED_END
from tests.deploy.conftest import REDIS_URL
from tests.ingest.conftest import warning


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_process_store_counts_a_sliding_window(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(shared.time, "monotonic", clock)
    store = shared.ProcessStore()
    assert [store.take("k", 3, 60).ok for _ in range(2)] == [True, True]
    clock.now += 30
    assert store.take("k", 3, 60).ok
    refused = store.take("k", 3, 60)
    assert not refused.ok and refused.count == 3 and refused.retry_after == 30
    clock.now += 30.5  # the first two are out of the window, the third (and no refusal) still in
    assert [store.take("k", 3, 60).ok for _ in range(3)] == [True, True, False]
    assert store.take("other", 3, 60).ok
    store.put("v", "x", 5)
    assert store.get("v") == "x"
    clock.now += 5
    assert store.get("v") is None


def test_redis_counts_once_for_every_process_sharing_the_prefix(redis_prefix):
    one, two = shared.RedisStore(REDIS_URL, redis_prefix), shared.RedisStore(REDIS_URL, redis_prefix)
    answers = []
    threads = [threading.Thread(target=lambda s=store: answers.append(s.take("ingest:x", 5, 60)))
               for store in (one, two) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.ok for a in answers) == [False] * 3 + [True] * 5
    refused = one.take("ingest:x", 5, 60)
    assert not refused.ok and 0 < refused.retry_after <= 60
    assert shared.RedisStore(REDIS_URL, redis_prefix + "elsewhere:").take("ingest:x", 5, 60).ok
    one.put("live:1", "figures", 30)
    assert two.get("live:1") == "figures" and two.ping()


def test_redis_forgets_takes_older_than_the_window(redis_prefix):
    store = shared.RedisStore(REDIS_URL, redis_prefix)
    assert store.take("w", 1, 0.3).ok and not store.take("w", 1, 0.3).ok
    threading.Event().wait(0.4)
    assert store.take("w", 1, 0.3).ok


def test_an_unreachable_redis_lets_work_go_on_and_health_says_so(tmp_path, caplog):
    store = shared.RedisStore("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    assert store.take("k", 1, 60).ok and store.take("k", 1, 60).ok
    assert store.get("k") is None and not store.ping()
    store.put("k", "v", 5)
    assert "Redis rate count failed" in caplog.text
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/h.db", "INSTANCE_PATH": str(tmp_path),
                      "TESTING": True, "REDIS_URL": "redis://127.0.0.1:9/0"})
    from dashboard.migrate import upgrade

    upgrade(app.extensions["database"].engine)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded" and health.get_json()["redis"] == "unreachable"


@pytest.fixture
def ingest_app(engine, tmp_path):
    """The app on a database with the demo units, a limit of 3 requests a minute, two tokens."""
    with Session(engine) as session, session.begin():
        build_demo_units(session)
        tokens = {source: create_token(session, source)[1] for source in ("upstream", "other")}
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                      "INGEST_RATE_LIMIT_PER_MINUTE": 3})
    return app, tokens


def test_the_ingest_api_refuses_a_source_over_its_rate_and_stores_nothing(ingest_app, engine):
    app, tokens = ingest_app
    client = app.test_client()

    def post(n, source="upstream"):
        return client.post("/api/v1/warnings", json=[warning(n, source=source)],
                           headers={"Authorization": f"Bearer {tokens[source]}"})

    assert [post(n).status_code for n in range(3)] == [200, 200, 200]
    refused = post(3)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["field"] == "Authorization"
    assert "'upstream'" in refused.get_json()["error"]["reason"]
    assert post(4, source="other").status_code == 200  # each source has its own count
    with Session(engine) as session:
        stored = set(session.scalars(select(Warning.external_id)))
    assert stored == {"W-0", "W-1", "W-2", "W-4"}
    assert client.post("/api/v1/warnings", json=[warning(5)],
                       headers={"Authorization": "Bearer afd_forged"}).status_code == 401


def test_live_figures_survive_the_trip_through_the_cache(app, seeded_session):
    from dashboard.auth.scope import scope_for_unit
    from dashboard.metrics.overview import live_data

    view = unit_view(seeded_session, _city_scope(seeded_session))
    live = {**live_data(seeded_session, scope_for_unit(view.unit), SEED_END, 30),
            "silent": [{"source": "feedx", "since": SEED_END - timedelta(hours=3)}]}
    back = decode(encode(live))
    assert back["hourly"].equals(live["hourly"]) and back["at"] == live["at"]
    assert back["silent"] == live["silent"]  # a silent feed's notice comes through the cache too
    assert {k: back[k] for k in ("recent", "minutes", "open", "overdue")} == \
        {k: live[k] for k in ("recent", "minutes", "open", "overdue")}


def _city_scope(session):
    from dashboard.auth.scope import scope_for_unit
    from dashboard.domain import OrgUnit

    return scope_for_unit(session.scalar(select(OrgUnit).where(OrgUnit.level == "city")))


@pytest.mark.parametrize("config, shared_for_a_while", [
    ({}, False),                                          # no Redis: counted every time
    ({"REDIS_URL": REDIS_URL, "LIVE_CACHE_SECONDS": 0}, False),
    ({"REDIS_URL": REDIS_URL, "LIVE_CACHE_SECONDS": 60}, True),
])
def test_live_figures_are_shared_only_through_redis(config, shared_for_a_while, seeded_database,
                                                     seeded_session, tmp_path, request):
    if "REDIS_URL" in config:
        config = {**config, "REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix")}
    settings = {"DATABASE_URL": seeded_database.url, "INSTANCE_PATH": str(tmp_path), "TESTING": True}
    worker_a, worker_b = create_app({**settings, **config}), create_app({**settings, **config})
    view = unit_view(seeded_session, _city_scope(seeded_session))
    with worker_a.app_context():
        first = live_figures(seeded_session, view, SEED_END, 30)
    later = SEED_END + timedelta(minutes=20)
    with worker_b.app_context():
        second = live_figures(seeded_session, view, later, 30)
    open_now = seeded_session.scalar(select(func.count()).select_from(Warning)
                                     .where(Warning.status != "closed"))
    assert first["open"] == open_now
    assert (second["at"] == first["at"]) is shared_for_a_while
    assert second["at"] == (SEED_END if shared_for_a_while else later)


def _overview(app, username: str, search: str = "?unit=350203&period=month") -> str:
    from tests.conftest import login
    from tests.web.test_overview import render

    client = app.test_client()
    login(client, username)
    return json.dumps(render(client, search), sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("config, shared_for_a_while", [
    ({}, False),                                          # no Redis: drawn every time
    ({"REDIS_URL": REDIS_URL, "VIEW_CACHE_SECONDS": 0}, False),
    ({"REDIS_URL": REDIS_URL, "VIEW_CACHE_SECONDS": 60}, True),
])
def test_a_drawn_overview_is_shared_only_through_redis_and_only_alike(
        config, shared_for_a_while, seeded_database, tmp_path, request, monkeypatch):
    if "REDIS_URL" in config:
        config = {**config, "REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix")}
    settings = {"DATABASE_URL": seeded_database.url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                "LIVE_CACHE_SECONDS": 0, **config}
    worker_a, worker_b = create_app(settings), create_app(settings)
    clock = [SEED_END]
    page = sys.modules["dashboard.pages.overview"]  # Dash loads the pages by file
    monkeypatch.setattr(page, "now_local", lambda: clock[0])
    first = _overview(worker_a, "leader")
    clock[0] = SEED_END + timedelta(minutes=20)  # the live panel counts at another time
    second = _overview(worker_b, "leader")
    assert (second == first) is shared_for_a_while
    assert ("10:20" in second) is not shared_for_a_while and "10:00" in first
    # another viewer's scope, another language or another period is drawn for itself
    commander = _overview(worker_b, "commander")
    assert commander != second and "厦门市公安局" not in commander  # its breadcrumb starts at the district
    assert _overview(worker_b, "leader", "?unit=350203&period=week") != second


@pytest.fixture
def silent_redis(silent_port):
    """A Redis URL whose server accepts connections and never answers."""
    return f"redis://127.0.0.1:{silent_port}/0"


def test_a_redis_that_never_answers_is_asked_once_per_retry_interval(silent_redis, caplog):
    clock = [1000.0]
    store = shared.RedisStore(silent_redis, "t:", timeout=0.2, retry_seconds=30, clock=lambda: clock[0])
    asked = []
    ask = store.client.execute_command
    store.client.execute_command = lambda *args, **kwargs: (asked.append(args[0]), ask(*args, **kwargs))[1]
    assert store.get("live:1") is None and len(asked) == 1  # the one call that waits its timeout
    for n in range(20):  # then a page's many cache and rate calls do not ask at all
        assert store.take(f"ingest:{n}", 1, 60).ok and store.get(f"k{n}") is None
        store.put(f"k{n}", "v", 5)
    assert len(asked) == 1
    assert caplog.text.count("Redis cache read failed") == 1
    clock[0] += 31  # the wait is over: one call tries again, and fails again
    assert store.get("live:1") is None and store.get("live:2") is None and len(asked) == 2
    store.client.execute_command = ask


def test_a_redis_that_answers_again_is_used_again(redis_prefix):
    clock = [1000.0]
    store = shared.RedisStore(REDIS_URL, redis_prefix, retry_seconds=30, clock=lambda: clock[0])
    store.breaker.failed()  # as after a failure
    store.put("k", "v", 30)
    assert store.get("k") is None  # not asked while open
    clock[0] += 31
    store.put("k", "v", 30)
    assert store.get("k") == "v"


def test_health_says_degraded_while_redis_never_answers(silent_redis, tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/h.db", "INSTANCE_PATH": str(tmp_path),
                      "TESTING": True, "REDIS_URL": silent_redis, "REDIS_TIMEOUT_SECONDS": 0.2})
    from dashboard.migrate import upgrade

    upgrade(app.extensions["database"].engine)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded" and health.get_json()["redis"] == "unreachable"
