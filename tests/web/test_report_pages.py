"""The funds, cases and prevention pages and the overview's anomaly flags through Flask + Dash.

Pages open for the roles granted ``view_overview`` and for no one else; their
record-level parts (the largest stop-payments, the open cases and their
links to warnings) only for roles that may also see records; everything
stays inside the viewer's scope.  The app's clock is the end of the seeded
history.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted
from dashboard.auth import permissions
from dashboard.domain import OrgUnit, StopPayment
from dashboard.domain.base import now_local
from tests.conftest import SEED_END
from tests.factories import make_warning
from tests.web.dash_requests import find, post_callback, render_page

PAGES = {"/funds": "funds", "/cases": "cases", "/prevention": "prevention"}
CARD = {"funds": "amount_stopped", "cases": "cases_reported", "prevention": "publicity_events"}
UNIT_OF = {"leader": "厦门市公安局", "commander": "思明分局", "officer": "中华派出所"}
WARNING_LINK = re.compile(r'"href": "/warnings/(\d+)"')


def text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


@pytest.fixture
def reports_client(app, logged_in_client):
    """Factory: a client of ``role`` with the app's clock at the end of the seeded history."""
    app.extensions["clock"] = lambda: SEED_END
    return logged_in_client


@pytest.mark.parametrize("role", ["leader", "commander", "officer"])
def test_each_page_opens_on_the_viewers_own_unit(reports_client, role):
    client = reports_client(role)
    for path, prefix in PAGES.items():
        page = render_page(client, path, "?period=month")
        assert find(page, "access-denied") is None, path
        title = find(page, f"{prefix}-title")["props"]["children"]
        assert title.endswith(UNIT_OF[role]), (path, title)
        assert find(page, f"{prefix}-kpi-{CARD[prefix]}") is not None


@pytest.mark.parametrize("role", ["press", "sysadmin", "secadmin", "auditor"])
def test_other_roles_are_refused_pages_and_callbacks(reports_client, role):
    client = reports_client(role)
    for path, prefix in PAGES.items():
        assert find(render_page(client, path), "access-denied") is not None, path
        response = post_callback(client, f"{prefix}-url.search",
                                 [{"id": f"{prefix}-period", "property": "value", "value": "year"},
                                  {"id": f"{prefix}-dates", "property": "start_date", "value": None},
                                  {"id": f"{prefix}-dates", "property": "end_date", "value": None},
                                  {"id": f"{prefix}-ranking", "property": "clickData", "value": None}]
                                 + ([{"id": "cases-ages", "property": "clickData", "value": None}]
                                    if prefix == "cases" else []),
                                 [{"id": f"{prefix}-state", "property": "data", "value": {}}])
        assert response.status_code == 403, path


def test_the_largest_stop_payments_show_masked_accounts_only(reports_client, seeded_session):
    page = text(render_page(reports_client("leader"), "/funds", "?period=month"))
    table = text(find(json.loads(page), "funds-largest"))
    assert len(re.findall(r"\d{4} \*\*\*\* \*\*\*\* \d{4}", table)) == 10
    recent = seeded_session.scalars(select(StopPayment.account).where(
        StopPayment.requested_at >= SEED_END - timedelta(days=31))).all()
    assert len(recent) > 10
    assert not [a for a in recent if a in page], "an unmasked account number reached the page"


def test_cases_link_back_to_warnings_the_viewer_may_open(reports_client):
    for role in ("leader", "commander"):
        client = reports_client(role)
        page = render_page(client, "/cases", "?period=month&age=8")  # open 8-30 days: many from warnings
        links = WARNING_LINK.findall(text(find(page, "cases-open")))
        assert links, role
        warning = render_page(client, f"/warnings/{links[0]}")
        assert find(warning, "access-not-found") is None and find(warning, "access-denied") is None


def test_without_view_records_the_record_level_parts_are_left_out(reports_client, monkeypatch):
    shipped = permissions.table()
    grants = shipped.grants - {("leader", "view_records")}
    monkeypatch.setattr(permissions, "table", lambda: permissions.PermissionTable(
        shipped.roles, grants, shipped.actions))
    client = reports_client("leader")
    funds = render_page(client, "/funds", "?period=month")
    cases = render_page(client, "/cases", "?period=month&age=8")
    assert find(funds, "funds-largest") is None and find(cases, "cases-open") is None
    assert "/warnings/" not in text(funds) + text(cases)
    assert find(funds, "funds-kpi-amount_stopped") is not None  # the aggregates stay


def test_drill_down_and_scope(reports_client):
    leader = reports_client("leader")
    county = render_page(leader, "/funds", "?unit=350203&period=year")
    assert find(county, "funds-title")["props"]["children"].endswith("思明分局")
    assert "/funds?unit=35020301" in text(find(county, "funds-unit-table"))
    assert find(county, "funds-crumb-city") is not None
    commander = reports_client("commander")
    assert find(render_page(commander, "/cases", "?unit=350206"), "cases-empty") is not None
    officer = render_page(reports_client("officer"), "/prevention", "?period=year")
    assert "35020302" not in text(officer)  # another station of the county: not the officer's


def test_navigation_leads_to_new_urls(reports_client):
    client = reports_client("leader")
    state = {"unit": "350200", "period": "month"}

    def fire(prefix, trigger, value, extra=()):
        inputs = [{"id": f"{prefix}-period", "property": "value", "value": "month"},
                  {"id": f"{prefix}-dates", "property": "start_date", "value": None},
                  {"id": f"{prefix}-dates", "property": "end_date", "value": None},
                  {"id": f"{prefix}-ranking", "property": "clickData", "value": None}, *extra]
        for item in inputs:
            if f"{item['id']}.{item['property']}" == trigger:
                item["value"] = value
        response = post_callback(client, f"{prefix}-url.search", inputs,
                                 [{"id": f"{prefix}-state", "property": "data", "value": state}],
                                 changed=[trigger])
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_json()["response"][f"{prefix}-url"]["search"]

    click = {"points": [{"customdata": "350203"}]}
    assert fire("funds", "funds-ranking.clickData", click) == "?unit=350203&period=month"
    assert fire("prevention", "prevention-period.value", "year") == "?unit=350200&period=year"
    ages = [{"id": "cases-ages", "property": "clickData", "value": None}]
    band = {"points": [{"customdata": 31}]}
    assert fire("cases", "cases-ages.clickData", band, ages) == "?unit=350200&period=month&age=31"


def first_flags(client, prefix: str, state: dict) -> str:
    """The anomaly flags the page's callback answers when the page arrives (its initial call)."""
    given = [{"id": i, "property": p, "value": v} for (i, p), v in state.items()]
    ticks = [{"id": f"{prefix}-anomalies-tick", "property": "n_intervals", "value": 0}]
    if prefix == "overview":  # the view's state is an input too: a new view brings its flags
        response = post_callback(client, f"{prefix}-anomalies.children", ticks + given, changed=[])
    else:
        response = post_callback(client, f"{prefix}-anomalies.children", ticks, given, changed=[])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return text(response.get_json()["response"][f"{prefix}-anomalies"]["children"])


@pytest.mark.parametrize("prefix, path, role, state", [
    ("overview", "/", "leader", {("overview-state", "data"): {"unit": "350203"}}),
    ("queue", "/queue", "commander", {("queue-unit", "value"): None}),
])
def test_the_anomaly_flags_come_by_their_own_callback_as_the_page_arrives(logged_in_client, prefix, path,
                                                                           role, state):
    client = logged_in_client(role)
    page = render_page(client, path)
    assert find(page, f"{prefix}-anomalies-tick") is not None
    assert find(page, f"{prefix}-anomalies")["props"].get("children") is None  # not drawn with the view
    wiring = {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}
    assert wiring[f"{prefix}-anomalies.children"]["prevent_initial_call"] is False
    assert first_flags(client, prefix, state)  # the flags, or the line saying there are none


def test_a_surge_at_a_station_is_flagged_on_the_overview(engine, fresh_client):
    with Session(engine) as session:
        station = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020301"))
        now = now_local()
        planted = [make_warning(station, now - timedelta(minutes=3 + 10 * i)) for i in range(10)]
        session.add_all(planted)
        session.flush()
        apply_inserted(session, *planted)
        session.commit()
    flags = first_flags(fresh_client("leader"), "overview", {("overview-state", "data"): {"unit": "350200"}})
    assert "单位35020301" in flags and "预警激增" in flags
    assert "单位35020302" not in flags


def test_a_surge_is_flagged_on_the_queue_with_a_link_to_the_units_queue(engine, fresh_app, fresh_client):
    with Session(engine) as session:
        station = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020302"))
        now = fresh_app.clock.now
        planted = [make_warning(station, now - timedelta(minutes=3 + 10 * i)) for i in range(10)]
        session.add_all(planted)
        session.flush()
        apply_inserted(session, *planted)
        session.commit()
    flags = first_flags(fresh_client("commander"), "queue", {("queue-unit", "value"): None})
    assert "单位35020302" in flags and '"/queue?unit=35020302"' in flags
    assert "单位35020501" not in flags  # another county: not the commander's
    other = first_flags(fresh_client("commander2"), "queue", {("queue-unit", "value"): None})
    assert "单位35020302" not in other


def test_pages_in_english_and_the_publicity_rule(reports_client):
    client = reports_client("leader")
    client.set_cookie("lang", "en")
    titles = {path: find(render_page(client, path, "?period=year"), f"{prefix}-title")["props"]["children"]
              for path, prefix in PAGES.items()}
    assert titles == {"/funds": "Funds · Xiamen Public Security Bureau",
                      "/cases": "Cases · Xiamen Public Security Bureau",
                      "/prevention": "Prevention · Xiamen Public Security Bureau"}
    page = render_page(client, "/prevention", "?period=year")
    assert find(page, "prevention-gaps-rule")["props"]["children"].startswith("Rule: warnings in the period")
    assert text(find(page, "prevention-gaps")).count('"type": "Tr"') == 1 + 48  # the head, every station


def test_the_funds_page_shows_the_amount_at_risk_by_fraud_type(reports_client):
    """Largest first, in 万/亿 in Chinese and in yuan in English, within the viewer's unit."""
    def amounts(client) -> list[str]:
        table = find(render_page(client, "/funds", "?period=month"), "funds-at-risk")
        rows = find_all_rows(table)
        return [row[1] for row in rows]

    leader, officer = reports_client("leader"), reports_client("officer")
    zh = amounts(leader)
    assert len(zh) > 3 and all(a.endswith("万元") or a.endswith("亿元") for a in zh[:3]), zh
    assert amounts(officer) != zh  # the station's own warnings only
    leader.set_cookie("lang", "en")
    assert all(a.startswith("¥") for a in amounts(leader))


def find_all_rows(table) -> list[list[str]]:
    """The texts of the cells of each body row of a table component."""
    body = table["props"]["children"][1]
    return [[str(cell["props"]["children"]) for cell in row["props"]["children"]]
            for row in body["props"]["children"]]
