"""The simulator posts through the real ingest API of a live server: counts rise, nothing is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from dashboard.cli import main
from dashboard.cli.simulate import parse_rate
from dashboard.demo.feed_ticks import FeedTicks
from dashboard.demo.history import HISTORY_SOURCE
from dashboard.demo.live_feed import LiveFeed
from dashboard.demo.simulator import (
    FeedError,
    FeedStats,
    IngestClient,
    demo_stations,
    open_warnings,
    run_feed,
)
from dashboard.demo.units import build_demo_units
from dashboard.domain import Dissuasion, StopPayment, Warning
from dashboard.domain.base import now_local
from dashboard.domain.ingest import ApiToken, RejectedRecord
from dashboard.ingest.tokens import create_token

# seconds a batch may take: the feed's 30 s passed once on a 2-core machine at load 12 (CI runs the
# whole suite on 4 workers); slowness is not what these tests check
BUSY_MACHINE_WAIT = 120.0


@pytest.fixture
def server(engine, tmp_path) -> Iterator[str]:
    """The real app over a database with the demo units, served on 127.0.0.1 from a thread."""
    from dashboard import create_app

    with Session(engine) as session, session.begin():
        build_demo_units(session)
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_few_seconds_of_feed_raise_the_counts_and_post_nothing_invalid(engine, server):
    with Session(engine) as session, session.begin():
        stations = demo_stations(session)
        _, token = create_token(session, "simulator")
    feed = LiveFeed(stations, source="simulator", rate=40, seed=9)
    stop = threading.Event()

    def enough(stats: FeedStats) -> None:
        # run until the feed has done enough, however busy the machine (a minute at most)
        if stats.counts["warnings"]["inserted"] > 60 and stats.counts["outcomes"]["inserted"] > 20:
            stop.set()

    stats = run_feed(FeedTicks(feed, flat=True), IngestClient(server, token, timeout=BUSY_MACHINE_WAIT), minutes=1, stop=stop,
                     report=enough, report_every=0)
    inserted = stats.counts["warnings"]["inserted"]
    assert inserted > 60, stats.counts
    assert stats.counts["outcomes"]["inserted"] > 20, stats.counts
    assert stats.rejected == 0 and stats.lost == 0, stats.errors
    assert count(engine, Warning) == inserted
    assert count(engine, Dissuasion) == stats.counts["outcomes"]["inserted"]
    assert count(engine, StopPayment) == stats.counts["stop-payments"]["inserted"]
    assert count(engine, RejectedRecord) == 0
    with Session(engine) as session:
        closed = session.scalar(select(func.count()).where(Warning.status == "closed"))
    assert closed > 0


def post_every_follow_up(feed: LiveFeed, client: IngestClient, stats: FeedStats, clock) -> None:
    """Post the feed's follow-ups in time order, two seconds at a time, until none is left."""
    while len(feed):
        clock += timedelta(seconds=2)
        for kind, records in feed.due(clock).items():
            if records:
                stats.add(kind, client.post(kind, records), records)


def test_every_kind_of_follow_up_is_accepted_by_the_api(engine, server):
    """A whole hour of follow-ups posted in time order: attempts, closings, stop-payment stages."""
    with Session(engine) as session, session.begin():
        stations = demo_stations(session)
        _, token = create_token(session, "simulator")
    client, stats = IngestClient(server, token, timeout=BUSY_MACHINE_WAIT), FeedStats()
    feed = LiveFeed(stations, source="simulator", rate=200, seed=4)
    clock = now_local() - timedelta(hours=1)
    warnings = feed.new_warnings(clock, 150)
    stats.add("warnings", client.post("warnings", warnings), warnings)
    post_every_follow_up(feed, client, stats, clock)
    assert stats.rejected == 0, stats.errors
    stops = stats.counts["stop-payments"]
    assert stops["inserted"] > 0 and stops["updated"] > 0, stats.counts
    with Session(engine) as session:
        open_left = session.scalar(select(func.count()).where(Warning.status != "closed"))
    assert open_left == 0


def _leave_open(engine, server, n: int) -> list[dict]:
    """``n`` warnings posted under the demo history's source, their follow-ups never sent."""
    with Session(engine) as session, session.begin():
        stations = demo_stations(session)
        _, token = create_token(session, HISTORY_SOURCE)
    warnings = LiveFeed(stations, source=HISTORY_SOURCE, rate=20, seed=6).new_warnings(now_local(), n)
    IngestClient(server, token, timeout=BUSY_MACHINE_WAIT).post("warnings", warnings)
    return warnings


def open_count(engine, source: str, among: list[dict] | None = None) -> int:
    """Open warnings of ``source`` (of the warnings ``among`` only, if given)."""
    query = select(func.count()).select_from(Warning).where(Warning.status != "closed", Warning.source == source)
    if among is not None:
        query = query.where(Warning.external_id.in_([w["external_id"] for w in among]))
    with Session(engine) as session:
        return session.scalar(query)


def test_warnings_left_open_are_worked_and_closed_through_the_api(engine, server):
    left = _leave_open(engine, server, 40)
    assert open_count(engine, HISTORY_SOURCE) == 40
    with Session(engine) as session, session.begin():
        stations = demo_stations(session)
        # granted the history's source explicitly, as ``antifraud demo`` grants it
        _, token = create_token(session, "demo-live", (HISTORY_SOURCE,))
        left_open = open_warnings(session, (HISTORY_SOURCE,))
    assert {w["external_id"] for w in left_open} == {w["external_id"] for w in left}
    client, stats = IngestClient(server, token, timeout=BUSY_MACHINE_WAIT), FeedStats()
    feed = LiveFeed(stations, source="demo-live", rate=200, seed=2)
    clock = now_local()
    feed.adopt(left_open, clock)
    post_every_follow_up(feed, client, stats, clock)
    assert stats.rejected == 0, stats.errors
    assert open_count(engine, HISTORY_SOURCE) == 0
    with Session(engine) as session:
        attempts = session.scalars(select(Dissuasion.source).join(Warning, Warning.id == Dissuasion.warning_id)
                                   .where(Warning.source == HISTORY_SOURCE)).all()
        assert attempts and set(attempts) == {"demo-live"}
        assert open_warnings(session, (HISTORY_SOURCE,)) == []


def test_cli_runs_for_its_minutes_with_a_token_of_its_own(engine, server, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    code = main(["simulate", "--url", server, "--rate", "600/min", "--minutes", "0.04", "--flat"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Live feed started" in out and "0 rejected, 0 not delivered" in out
    assert count(engine, Warning) > 0
    with Session(engine) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.source == HISTORY_SOURCE)).one()
    assert token.revoked_at is not None  # its own token does not outlive it


def test_cli_surges_a_county_and_pauses_saying_so_in_its_log(engine, server, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    code = main(["simulate", "--url", server, "--surge", "思明分局", "--pause", "0.02", "--minutes", "0.06"])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert "Surge: 350203 Siming Sub-bureau gets 40 times" in captured.out
    assert "Pause: 0 minutes after the start" in captured.out
    # the feed's own lines, without their time (another test's threads may write to stderr too)
    log = [line.split(" ", 2)[2] for line in captured.err.splitlines() if " dashboard.simulate: " in line]
    assert log[0].startswith("INFO dashboard.simulate: feed started: source demo, 3000 warnings a day")
    assert "INFO dashboard.simulate: surge on 350203 Siming Sub-bureau: 10 stations get 40 times their usual " \
           "warnings, at least 1 more a minute" in log
    assert "INFO dashboard.simulate: paused: sending nothing for 0.02 minutes" in "\n".join(log)
    assert "INFO dashboard.simulate: resumed after 0.02 minutes" in log
    assert log[-1].startswith("INFO dashboard.simulate: feed stopped: ")


def test_the_demo_starts_the_feed_beside_its_server(engine, server):
    import time

    from dashboard.cli.simulate import DEMO_SOURCE, start_beside_server
    from dashboard.settings import load_settings

    settings = load_settings({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                              "DEFAULT_LANGUAGE": "en"})
    port = int(server.rsplit(":", 1)[1])
    left = _leave_open(engine, server, 5)  # what the demo history left open
    first = start_beside_server(settings, port, rate=50)
    first.set()
    stop = start_beside_server(settings, port, rate=50)
    try:  # time runs 1,440 times faster: the slowest plan of the five takes seconds
        deadline = time.monotonic() + 60
        while (count(engine, Warning) <= 5 or open_count(engine, HISTORY_SOURCE, left)) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
    assert count(engine, Warning) > 5
    assert open_count(engine, HISTORY_SOURCE, left) == 0  # the feed took the history's open warnings over
    with Session(engine) as session:  # the history's source: the silence watch knows its usual rate
        tokens = session.scalars(select(ApiToken).where(ApiToken.source == DEMO_SOURCE)).all()
    assert DEMO_SOURCE == HISTORY_SOURCE
    assert len(tokens) == 3 and sum(t.revoked_at is None for t in tokens) == 1  # older ones revoked


def test_a_wrong_token_stops_the_feed(engine, server):
    with Session(engine) as session, session.begin():
        stations = demo_stations(session)
    feed = LiveFeed(stations, source="simulator", rate=40, seed=1)
    with pytest.raises(FeedError) as info:
        run_feed(FeedTicks(feed, flat=True), IngestClient(server, "afd_wrong"), minutes=0.05)
    assert info.value.reason == "token_refused"


@pytest.mark.parametrize("url", ["http://10.1.2.3:8050", "http://example.org", "ftp://127.0.0.1/",
                                 "http://127.0.0.1.example.org:8050"])
def test_only_this_machine_is_a_target(url):
    with pytest.raises(FeedError) as info:
        IngestClient(url, "afd_x")
    assert info.value.reason == "not_loopback"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8050", "http://localhost:1/", "http://[::1]:8050"])
def test_loopback_urls_are_accepted(url):
    assert IngestClient(url, "afd_x").base.startswith(url.split(":")[0])


def test_cli_refuses_a_remote_url_and_production(engine, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    assert main(["simulate", "--url", "http://192.168.1.20:8050", "--minutes", "1"]) == 2
    err = capsys.readouterr().err
    assert "not on this machine" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("ANTIFRAUD_ENV", "production")
    assert main(["simulate", "--minutes", "1"]) == 2
    assert "demos only" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "per_second"), [
    ("2/s", 2.0), ("30/min", 0.5), ("600/h", 600 / 3600), ("1.5", 1.5), (" 4 / sec ", 4.0)])
def test_rates(text, per_second):
    assert parse_rate(text, "en") == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["fast", "0/s", "-1/s", "2/day", "1000/s"])
def test_bad_rates_are_usage_errors(text):
    from dashboard.cli.common import UsageError

    with pytest.raises(UsageError, match="--rate"):
        parse_rate(text, "en")
