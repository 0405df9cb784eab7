"""The press officer's, the administrator's and the auditor's journeys in a real browser, zh-CN and en.

- the press officer builds a statistics table (a district added, compared
  with the previous period), exports it as CSV and XLSX, copies the headline
  sentences, and is refused a warning's page opened by its URL;
- the system administrator creates an account and the security administrator
  grants it a station officer's role; the officer logs in, choosing a new password;
- the auditor, after the administrators and a commander have acted in the
  browser, finds both actions in the audit log.

Every stop is checked for untranslated text; the fixtures fail a journey
that asks any host but 127.0.0.1 or logs a console error.
"""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import User, Warning
from tests.browser.journeys.steps import DISPLAY_NAMES, PASSWORD, assign_door_visit, create_user

NEW_PASSWORD = "Yundang-lake-2026!"

DISTRICT = "350203"


def download(page, button: str) -> tuple[str, bytes]:
    """Click an export button; the name and bytes of the file the job hands over."""
    with page.expect_download(timeout=60_000) as waiting:
        page.click(button)
    done = waiting.value
    return done.suggested_filename, done.path().read_bytes()


def test_press_builds_exports_and_copies_statistics_but_no_record(journey, page_record):
    page, district = journey.page, journey.unit_name(DISTRICT)
    journey.login("press", "/statistics")
    page.wait_for_selector("#statistics-table-figures")
    journey.check("the statistics page")
    journey.choose("statistics-units", DISTRICT)
    page.locator("#statistics-compare label", has_text=journey.t("statistics.compare.previous")).click()
    page.click("#statistics-preview-button")
    page.locator("#statistics-table-figures tbody tr", has_text=district).wait_for()
    assert journey.t("statistics.compare.previous") not in page.inner_text("#statistics-headlines")
    journey.check("the previewed table")

    name, csv = download(page, "#statistics-export-csv")
    assert name.endswith(".csv") and csv.startswith(b"\xef\xbb\xbf")
    assert district in csv.decode("utf-8-sig")
    page.wait_for_function("(n) => document.querySelector('#statistics-export-status').innerText.includes(n)",
                           arg=name)
    name, xlsx = download(page, "#statistics-export-xlsx")
    assert name.endswith(".xlsx")
    cells = {str(cell.value) for sheet in load_workbook(io.BytesIO(xlsx)).worksheets
             for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert district in cells
    journey.check("after the exports")
    journey.shot("press")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=journey.base)
    headlines = page.input_value("#statistics-headlines")
    assert headlines.strip()
    page.click("#statistics-headlines")
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    assert page.evaluate("() => navigator.clipboard.readText()") == headlines

    with Session(journey.engine) as session:
        warning_id = session.scalar(select(Warning.id).order_by(Warning.id.desc()).limit(1))
    response = page.goto(f"{journey.base}/warnings/{warning_id}")
    assert response.status == 403  # refused at the HTTP level, before Dash loads
    page.wait_for_selector("#access-denied")
    assert page.inner_text("#access-denied h4") == journey.t("access.denied.title")
    assert page.locator("#warning-title").count() == 0
    journey.check("a refused record")
    assert all("status of 403" in error for error in page_record.console_errors)
    page_record.console_errors.clear()  # the browser logs the refused page load itself


def test_two_administrators_make_a_user_who_can_log_in(journey):
    page = journey.page
    username = create_user(journey)
    row = page.locator(f"[id='roles-row-{username}']")
    row.wait_for()
    text = row.inner_text()
    assert DISPLAY_NAMES[journey.lang] in text and journey.unit_name("35020301") in text
    assert journey.t("admins.status.must_change_password") in text
    assert "sysadmin" in text and "secadmin" in text
    journey.check("the roles page with the new user")
    journey.shot("secadmin")

    page.context.clear_cookies()
    page.goto(f"{journey.base}/lang/{journey.lang}?next=/login")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#password-form")
    assert page.inner_text("#password-prompt") == journey.t("account.password.forced")
    journey.check("the forced password change")
    page.fill("#password-new", NEW_PASSWORD)
    page.fill("#password-repeated", NEW_PASSWORD)
    page.click("#password-submit")
    page.wait_for_selector("#shell-user-name")
    assert page.inner_text("#shell-user-name") == DISPLAY_NAMES[journey.lang]


def audit_row(page, obj: str):
    """The audit log's row whose object is exactly ``obj``."""
    cell = page.locator("td", has_text=re.compile("^" + re.escape(obj) + "$"))
    return page.locator("#audit-rows tr", has=cell)


def test_auditor_finds_the_administrators_and_the_commanders_actions(journey):
    page = journey.page
    username = create_user(journey)
    task_id, _title, _station = assign_door_visit(journey)
    with Session(journey.engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))

    journey.login("auditor", "/audit")
    page.wait_for_selector("#audit-rows tr")
    journey.check("the audit log")
    journey.choose("audit-user", "sysadmin")
    journey.choose("audit-action", "user_created")
    created = audit_row(page, f"user:{user_id}")
    created.wait_for()
    text = created.inner_text()
    assert journey.t("audit.action.user_created") in text and journey.t("audit.outcome.success") in text
    journey.check("the system administrator's account creation")

    journey.choose("audit-user", "secadmin")
    journey.choose("audit-action", "role_granted")
    granted = audit_row(page, f"user:{user_id}")
    granted.wait_for()
    assert journey.t("audit.action.role_granted") in granted.inner_text()
    journey.check("the security administrator's grant")

    journey.choose("audit-user", "commander")
    journey.choose("audit-action", "task_changed")
    assigned = audit_row(page, f"task:{task_id}")
    assigned.wait_for()
    assert journey.t("audit.action.task_changed") in assigned.inner_text()
    journey.check("the commander's assignment")
    journey.shot("auditor")
