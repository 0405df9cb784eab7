"""Steps that more than one journey takes: two administrators make a user, the commander assigns a door visit.

The auditor's journey takes both itself before it looks for them in the audit
log, so that every test stands alone under ``pytest -n auto``.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import User
from dashboard.domain.reference import TaskKind
from tests.browser.journeys.conftest import Journey

PASSWORD = "Gulangyu-ferry-2026!"
DISPLAY_NAMES = {"zh-CN": "林警官（旅程测试）", "en": "Officer Lin (journey test)"}
VISIT_TITLES = {"zh-CN": "上门见面劝阻，核实是否已转账", "en": "Visit her at home and check whether she has paid"}
VISIT_INSTRUCTIONS = {"zh-CN": "今天内上门，回报是否见到当事人及避免损失金额。",
                      "en": "Go today; report whether you met her and the loss avoided."}


def create_user(journey: Journey) -> str:
    """The system administrator creates an account on the accounts page, then the security
    administrator grants it a station officer's role of 35020301; its username."""
    page = journey.page
    journey.login("sysadmin", "/admin/users")
    page.wait_for_selector("#users-table-rows")
    journey.check("the accounts page")
    username = f"officer.j{secrets.randbelow(10**8):08d}"
    page.fill("#users-new-username", username)
    page.fill("#users-new-display-name", DISPLAY_NAMES[journey.lang])
    page.fill("#users-new-password", PASSWORD)
    page.click("#users-create")
    done = page.locator("#users-done")
    done.wait_for()
    assert done.inner_text() == journey.t("users.done.create", username=username)
    waiting = page.locator(f"[id='users-row-{username}']")
    assert journey.t("admins.status.awaiting_role") in waiting.inner_text()

    journey.login("secadmin", "/admin/roles")
    page.wait_for_selector("#roles-table-rows")
    journey.check("the roles page")
    with Session(journey.engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
    journey.choose("roles-user", str(user_id))
    journey.choose("roles-role", "officer")
    journey.choose("roles-unit", "35020301")
    page.click("#roles-grant")
    granted = page.locator("#roles-done")
    granted.wait_for()
    assert granted.inner_text() == journey.t("admins.grant.done", username=username)
    return username


def assign_door_visit(journey: Journey) -> tuple[int, str, str]:
    """The commander opens the county queue's first warning and assigns its station a door visit.

    Returns the task's id, title and the station's code.
    """
    page = journey.page
    journey.login("commander", "/queue")
    page.wait_for_selector("#queue-table tbody tr")
    journey.check("the county's queue")
    link = page.locator("#queue-table a[id^='queue-link-']").first
    warning_id = int(link.get_attribute("id").removeprefix("queue-link-"))
    link.click()
    page.wait_for_selector("#warning-title")
    assert page.inner_text("#warning-title") == journey.t("warning.title", id=warning_id)
    journey.check("the warning page")

    page.click("#warning-assign-task")
    page.wait_for_selector("#task-new-title-input")
    station = re.search(r"target=(\d+)", page.url).group(1)
    assert page.inner_text("#task-new-kind") == journey.name(TaskKind, "door_visit")
    assert journey.unit_name(station) in page.inner_text("#task-new-targets")
    assert page.input_value("#task-new-warning") == str(warning_id)
    journey.check("the new task form")
    title = f"{VISIT_TITLES[journey.lang]} {secrets.randbelow(10**6):06d}"
    page.fill("#task-new-title-input", title)
    page.fill("#task-new-instructions", VISIT_INSTRUCTIONS[journey.lang])
    page.click("#task-new-submit")
    page.wait_for_url(re.compile(r"/task/\d+$"))
    page.wait_for_selector("#task-page-title")
    assert page.inner_text("#task-page-title") == title
    assert f"#{warning_id}" in page.inner_text("#task-page-warning")
    return int(page.url.rsplit("/", 1)[1]), title, station
