"""A silent feed, as people see it: the live panel and the wall say so, ``/healthz`` lists it, and the
system administrator's sources page shows every source; other roles may not open that page.

Source ``feedx`` holds an active token and delivered 12 warnings an hour for 30 days, until three
hours before the clock of the view: far longer than its usual gap (limit 30 minutes).  The live panel
counts at the server's clock; ``/healthz`` and the sources page at the app's (``fresh_app.clock``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.components.feed_notice import since_text
from dashboard.domain import ApiToken, Warning
from dashboard.domain.base import now_local
from dashboard.domain.feeds import FeedArrival
from dashboard.i18n import translate
from tests.web.conftest import NOW
from tests.web.dash_requests import find, post_callback, render_page

SOURCE = "feedx"


def feed_went_silent(engine, city, now: datetime, *, station: str = "35020301") -> datetime:
    """``feedx``'s history up to three hours before ``now``, and one of its warnings at ``station``."""
    last = (now - timedelta(hours=3)).replace(microsecond=0)
    with Session(engine) as session, session.begin():
        session.add(ApiToken(source=SOURCE, token_hash="f" * 64, hint="afd_feedx", created_at=now - timedelta(days=40)))
        hour = last.replace(minute=0, second=0, tzinfo=None) - timedelta(days=30)
        while hour <= last.replace(tzinfo=None):
            session.add(FeedArrival(source=SOURCE, hour=hour, arrived=12, rejected=1,
                                    last_arrival_at=min(hour + timedelta(minutes=59), last.replace(tzinfo=None)),
                                    lag_count=12, lag_seconds_sum=12 * 30, lag_seconds_max=90))
            hour += timedelta(hours=1)
        session.add(Warning(source=SOURCE, external_id="FX-1", received_at=last, fraud_type="investment",
                            risk_level="high", channel="call", county_id=city.units["350203"],
                            station_id=city.units[station], status="dispatched", deadline_at=last,
                            amount_at_risk=0))
    return last


def shown(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def test_healthz_lists_a_silent_source_and_says_degraded(fresh_app, engine):
    before = fresh_app.test_client().get("/healthz")
    assert before.status_code == 200
    assert before.get_json()["status"] == "ok" and before.get_json()["stale_sources"] == []
    last = feed_went_silent(engine, fresh_app.city, NOW)
    health = fresh_app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded"
    assert health.get_json()["stale_sources"] == [{"source": SOURCE, "since": last.isoformat()}]


def test_the_live_panel_says_the_feed_is_silent_to_the_units_it_feeds(fresh_app, fresh_client, engine):
    last = feed_went_silent(engine, fresh_app.city, now_local())
    leader = fresh_client("leader")
    notice = find(render_page(leader, "/"), "overview-live-feed-silent")
    assert notice is not None
    text = shown(notice)
    since = since_text(last, now_local())  # "21:16", or "12-07 21:16" just after midnight
    assert SOURCE in text and translate("feeds.notice.title", "zh-CN", time=since) in text
    # the commander of the county it fed sees it too, also when the panel refreshes alone
    commander = fresh_client("commander")
    answer = post_callback(commander, "..overview-live-counters.children...overview-live-hourly.figure..",
                           [{"id": "overview-live-tick", "property": "n_intervals", "value": 2},
                            {"id": "overview-state", "property": "data", "value": {"unit": "350203"}}])
    assert answer.status_code == 200
    counters = answer.get_json()["response"]["overview-live-counters"]["children"]
    assert find(counters, "overview-live-feed-silent") is not None
    # the other county's commander: no warning of it reached 350205
    assert find(render_page(fresh_client("commander2"), "/"), "overview-live-feed-silent") is None


def test_the_wall_says_the_feed_is_silent(fresh_app, fresh_client, engine):
    last = feed_went_silent(engine, fresh_app.city, now_local())
    notice = find(render_page(fresh_client("leader"), "/wall"), "wall-live-feed-silent")
    assert notice is not None
    assert SOURCE in shown(notice) and since_text(last, now_local()) in shown(notice)


def test_no_notice_while_the_feed_delivers(fresh_app, fresh_client, engine):
    feed_went_silent(engine, fresh_app.city, now_local() + timedelta(hours=3) - timedelta(minutes=5))
    assert find(render_page(fresh_client("leader"), "/"), "overview-live-feed-silent") is None


def test_the_sources_page_shows_each_source_to_the_system_administrator(fresh_app, fresh_client, engine):
    feed_went_silent(engine, fresh_app.city, NOW)
    page = render_page(fresh_client("sysadmin"), "/admin/sources")
    table = find(page, "sources-table")
    assert table is not None
    state = find(page, f"sources-state-{SOURCE}")
    assert state["props"]["children"] == translate("sources.state.silent", "zh-CN")
    text = shown(table)
    assert "30 秒" in text and "90 秒" in text  # the lag of today: average, longest
    assert translate("sources.tokens", "zh-CN", active=1, revoked=0, used="—") in text


@pytest.mark.parametrize("role", ["leader", "commander", "officer", "press", "secadmin", "auditor"])
def test_the_sources_page_is_refused_to_other_roles(fresh_client, role):
    client = fresh_client(role)
    assert find(render_page(client, "/admin/sources"), "access-denied") is not None
    assert client.get("/admin/sources").status_code == 403
