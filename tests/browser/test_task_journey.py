"""Tasks down the chain in a real browser.

The city assigns a publicity task to two counties; a county commander splits
it to three stations; each station officer acknowledges and completes; the
county task shows 3 of 3 and closes.  A second task, left unacknowledged
past its window, appears escalated (in red) on the county's board.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks import IssueTask
from dashboard.commands.tasks.escalation_pass import escalate_due
from dashboard.demo.units import build_demo_units
from dashboard.domain import OrgUnit, Task, User
from dashboard.domain.base import now_local
from dashboard.ingest.reference import load_reference_data
from tests.browser.conftest import LiveServer, login
from tests.conftest import TestDatabase as Database
from tests.factories import provision_account

PASSWORD = "Tong'an-ferry-2026!"
COUNTY = "350203"
USERS = [("city.duty", "leader", "350200"), ("siming.cmd", "commander", COUNTY)]


def button(step: str) -> str:
    return f"""[id='{{"step":"{step}","type":"task-page-action"}}']"""


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory) -> Iterator[tuple[LiveServer, Database, list[str]]]:
    """The demo city's units, a city leader, a county commander and three station officers."""
    database = Database("sqlite", "tasks", tmp_path_factory.mktemp("tasks"))
    with Session(database.engine) as session, session.begin():
        load_reference_data(session)
        build_demo_units(session)
        session.flush()
        stations = session.scalars(select(OrgUnit.code).where(OrgUnit.level == "station")
                                   .where(OrgUnit.code.startswith(COUNTY)).order_by(OrgUnit.code)
                                   ).all()[:3]
        users = USERS + [(f"officer.{code}", "officer", code) for code in stations]
        for username, role, unit in users:
            provision_account(session, username, role, unit, PASSWORD)
    server = LiveServer({"DATABASE_URL": database.url, "ESCALATION_IN_PROCESS": False,
                         "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    yield server, database, list(stations)
    server.stop()
    database.drop()


def open_task(page, server, task_id: int) -> None:
    page.goto(f"{server.url}/task/{task_id}")
    page.wait_for_selector("#task-page-title")


def test_publicity_down_the_chain_and_an_escalation(chain_server, page):
    server, database, stations = chain_server
    # the city assigns a publicity task to two counties
    login(page, server.url, "city.duty", PASSWORD)
    page.goto(f"{server.url}/tasks/new?target=350203,350205&kind=publicity")
    page.wait_for_selector("#task-new-title-input")
    page.fill("#task-new-title-input", "开展“全民反诈”集中宣传周活动")
    page.fill("#task-new-instructions", "组织民警、辅警和网格员进社区宣传，回报覆盖人数。")
    page.click("#task-new-submit")
    page.wait_for_selector("#tasks-board-table")
    assert page.locator("#tasks-board-table tbody tr").count() == 2
    with Session(database.engine) as session:
        county_task = session.scalar(select(Task).join(OrgUnit, OrgUnit.id == Task.target_unit_id)
                                     .where(OrgUnit.code == COUNTY))
    # the county commander finds it in the inbox and splits it to three stations
    login(page, server.url, "siming.cmd", PASSWORD)
    page.goto(f"{server.url}/tasks")
    page.click(f"#tasks-board-link-{county_task.id}")
    page.wait_for_selector(button("split"))
    for code in stations:
        page.locator("#task-page-split-targets label", has_text=f"({code})").click()
    page.click(button("split"))
    page.wait_for_selector("#task-page-progress")
    assert "0/3" in page.inner_text("#task-page-progress")
    with Session(database.engine) as session:
        children = session.scalars(select(Task).where(Task.parent_id == county_task.id)
                                   .order_by(Task.id)).all()
    assert len(children) == 3
    # each station officer acknowledges and completes with the people reached
    for n, (child, code) in enumerate(zip(children, stations, strict=True), start=1):
        login(page, server.url, f"officer.{code}", PASSWORD)
        assert page.inner_text("#shell-tasks-badge") == "1"
        open_task(page, server, child.id)
        page.click(button("acknowledge"))
        page.wait_for_selector(button("complete"))
        page.fill("#task-page-people", str(100 * n))
        page.click(button("complete"))
        page.wait_for_selector("#task-page-result")
        assert "已办结" in page.inner_text("#task-page-status")
    # the county task shows 3 of 3 and has closed
    login(page, server.url, "siming.cmd", PASSWORD)
    open_task(page, server, county_task.id)
    assert "3/3" in page.inner_text("#task-page-progress")
    assert "已办结" in page.inner_text("#task-page-status")
    assert "600" in page.inner_text("#task-page-result")

    # a second task, issued long enough ago that its window to acknowledge is over
    with Session(database.engine) as session, session.begin():
        commander = session.scalar(select(User).where(User.username == "siming.cmd"))
        [late] = IssueTask(commander, "report_request", "urgent", "报送今日重点人员劝阻情况",
                           target_units=[stations[0]]).run(
            session, now_local().replace(microsecond=0) - timedelta(minutes=20))
        late_id = late.id
    assert escalate_due(database.engine).count == 1
    page.goto(f"{server.url}/tasks?box=outbox")
    row = page.locator(f"#tasks-board-row-{late_id}")
    row.wait_for()
    assert "table-danger" in row.get_attribute("class")
    assert "超时未签收" in row.inner_text()
    # the commander's navbar counts it as waiting for them
    assert page.inner_text("#shell-tasks-badge") == "1"
