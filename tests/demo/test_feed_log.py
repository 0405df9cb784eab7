"""The live feed logs one line per action, and a server that is down costs a batch, not the feed."""

from __future__ import annotations

import logging
import re
import threading

import numpy as np
import pytest

from dashboard.cli.common import LOG_FORMAT, action_log
from dashboard.demo.feed_ticks import FeedTicks
from dashboard.demo.history import Stations
from dashboard.demo.live_feed import LiveFeed
from dashboard.demo.simulator import FeedError, FeedStats, _post, run_feed
from dashboard.domain.base import now_local as feed_now

STATIONS = Stations(ids=np.arange(1, 3), county_ids=np.full(2, 100), codes=["35020301", "35020302"],
                    weights=np.full(2, 0.5), lon=np.array([118.1, 118.12]), lat=np.array([24.45, 24.47]))


class Answering:
    """A server that inserts the first record of each batch and finds the rest duplicates."""

    def post(self, kind, records):
        return {"results": [{"index": i, "status": "inserted" if i == 0 else "duplicate"}
                            for i in range(len(records))]}


class Down:
    """A server that cannot be reached."""

    base = "http://127.0.0.1:9"

    def post(self, kind, records):
        raise FeedError("unreachable", url=self.base, detail="[Errno 111] Connection refused")


def feed_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dashboard.simulate"]


@pytest.fixture
def feed() -> LiveFeed:
    return LiveFeed(STATIONS, source="simulator", rate=100, seed=1)


def test_a_batch_sent_is_one_line(feed, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    records = feed.new_warnings(feed_now(), 3)
    assert _post(Answering(), "warnings", records, FeedStats())
    assert [r.getMessage() for r in feed_lines(caplog)] == [
        "sent warnings: 3 records (inserted 1, duplicate 2, updated 0, rejected 0)"]


def test_a_server_that_is_down_is_one_line_and_no_traceback(feed, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    stats = FeedStats()
    assert not _post(Down(), "outcomes", feed.new_warnings(feed_now(), 2), stats)
    (line,) = feed_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage() == ("not delivered outcomes: 2 records (unreachable: [Errno 111] Connection "
                                 "refused); the feed goes on")
    assert stats.lost == 2


def test_the_feed_goes_on_while_the_server_is_down(feed, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    stop, ticks = threading.Event(), []

    def three_ticks(_stats):
        ticks.append(1)
        if len(ticks) >= 3:
            stop.set()

    stats = run_feed(FeedTicks(feed, flat=True), Down(), stop=stop, report=three_ticks, report_every=0)
    assert stats.lost > 0 and len(ticks) == 3
    lines = feed_lines(caplog)
    assert lines and all(r.getMessage().startswith("not delivered warnings: ") for r in lines)
    assert all(r.exc_info is None for r in lines)


def test_a_refused_token_is_one_line_and_stops_the_feed(feed, caplog):
    class Refusing:
        def post(self, kind, records):
            raise FeedError("token_refused", url="http://127.0.0.1:8050")

    caplog.set_level(logging.INFO, logger="dashboard.simulate")
    with pytest.raises(FeedError):
        _post(Refusing(), "warnings", feed.new_warnings(feed_now(), 1), FeedStats())
    assert [r.getMessage() for r in feed_lines(caplog)] == ["stopped: http://127.0.0.1:8050 refused the token"]


def test_long_running_commands_write_one_line_per_action_to_standard_error(capsys):
    logger = logging.getLogger("dashboard.simulate")
    with action_log():
        logger.info("resumed after %g minutes", 10)
    logger.info("after the command: not written")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO dashboard\.simulate: resumed after 10 minutes",
                        err[0]), (err, LOG_FORMAT)
