"""A high-risk warning worked from a phone, in a real browser at 390 px wide.

The county commander sees it in the county's queue; the station officer
finds it at the top of the station's queue, opens it, reads the playbook,
records a failed phone call and then a successful door visit; the
warning's clock shows both, it closes, and the officer's overview counts
the closing and the loss avoided.  No page is wider than the phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply_inserted
from dashboard.demo.units import build_demo_units
from dashboard.demo.users import create_demo_users
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import now_local
from dashboard.ingest.reference import load_reference_data
from tests.browser.conftest import LiveServer, login
from tests.conftest import TestDatabase as Database

PHONE = {"width": 390, "height": 844}
STATION = "35020301"


@pytest.fixture(scope="module")
def station_server(tmp_path_factory) -> Iterator[tuple[LiveServer, int]]:
    """The demo city's units and users; at the officer's station a fresh high-risk warning and
    two medium ones, at a neighbouring station a low-risk one."""
    database = Database("sqlite", "warnings", tmp_path_factory.mktemp("warnings"))
    now = now_local().replace(microsecond=0)
    with Session(database.engine) as session, session.begin():
        load_reference_data(session)
        build_demo_units(session)
        session.flush()
        create_demo_users(session)
        units = {u.code: u for u in session.scalars(select(OrgUnit))}
        made = []
        for n, (code, risk, minutes) in enumerate(((STATION, "medium", 30), (STATION, "high", 4),
                                                   (STATION, "medium", 50), ("35020302", "low", 9))):
            received = now - timedelta(minutes=minutes)
            made.append(Warning(
                source="test", external_id=f"J{n:04d}", received_at=received,
                fraud_type="impersonate_police", risk_level=risk, channel="call",
                county_id=units[code].parent_id, station_id=units[code].id, status="dispatched",
                dispatched_county_at=received + timedelta(minutes=1),
                deadline_at=received + timedelta(minutes=15 if risk == "high" else 60),
                amount_at_risk=50_000, person_name="陈阿婆", person_phone=f"1391234{n:04d}"))
        session.add_all(made)
        session.flush()
        apply_inserted(session, *made)
        high = made[1].id
    server = LiveServer({"DATABASE_URL": database.url, "ESCALATION_IN_PROCESS": False,
                         "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    yield server, high
    server.stop()
    database.drop()


def fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def kpi(page, key: str) -> str:
    return page.locator(f"#overview-kpi-{key}").inner_text().strip()


def choose(page, select_id: str, value: str) -> None:
    page.select_option(f"#{select_id}", value)


@pytest.mark.parametrize("anonymous_page", [PHONE], indirect=True)
def test_a_high_risk_warning_from_the_county_queue_to_a_door_visit(station_server, anonymous_page):
    server, warning_id = station_server
    page = anonymous_page

    # the county commander sees it in the county's queue, above the medium ones
    login(page, server.url, "commander")
    page.goto(f"{server.url}/queue")
    page.wait_for_selector(f"#queue-row-{warning_id}")
    assert page.locator("#queue-table tbody tr").count() == 4
    assert page.locator("#queue-table tbody tr").first.get_attribute("id") == f"queue-row-{warning_id}"
    fits_the_phone(page)

    # the station officer's overview today, before
    login(page, server.url, "officer")
    page.goto(f"{server.url}/?period=today")
    page.wait_for_selector("#overview-kpi-closed")
    assert kpi(page, "closed") == "0"

    # the station's queue: three warnings, the high-risk one first; open it
    page.goto(f"{server.url}/queue")
    page.wait_for_selector("#queue-table")
    assert page.locator("#queue-table tbody tr").count() == 3
    fits_the_phone(page)
    page.click(f"#queue-link-{warning_id}")
    page.wait_for_selector("#warning-title")
    assert "冒充公检法" in page.inner_text("#warning-playbook")
    assert "剩余" in page.inner_text("#warning-deadline")
    fits_the_phone(page)
    submit = page.locator("#outcome-submit").bounding_box()
    assert submit["x"] >= 0 and submit["x"] + submit["width"] <= PHONE["width"]

    # a phone call that did not convince her
    choose(page, "outcome-method", "phone")
    choose(page, "outcome-result", "not_convinced")
    page.fill("#outcome-note", "称自己在配合“警方”调查，挂断")
    page.click("#outcome-submit")
    page.wait_for_selector("#outcome-recorded")
    assert "处置中" in page.inner_text("#warning-status")
    assert "电话劝阻" in page.inner_text("#warning-timeline")

    # a door visit that did
    choose(page, "outcome-method", "door_visit")
    choose(page, "outcome-result", "dissuaded")
    choose(page, "outcome-outcome", "dissuaded_no_loss")
    page.fill("#outcome-loss-avoided", "50000")
    page.click("#outcome-submit")
    page.wait_for_function("() => document.querySelector('#warning-status')"
                           ".innerText.includes('已办结')")
    timeline = page.inner_text("#warning-timeline")
    assert "上门劝阻" in timeline and "首次联系" in timeline and "避免损失 5.00万元" in timeline
    assert page.locator("#outcome-form").count() == 0  # dissuaded: closed for good
    fits_the_phone(page)

    # the overview counts it: one more closed, dissuaded, and the loss avoided
    page.goto(f"{server.url}/?period=today")
    page.wait_for_selector("#overview-kpi-closed")
    assert kpi(page, "closed") == "1"
    assert kpi(page, "success_rate") == "100.0%"
    assert kpi(page, "loss_avoided") == "5.00万元"
    page.goto(f"{server.url}/queue")
    page.wait_for_selector("#queue-table")
    assert page.locator("#queue-table tbody tr").count() == 2
