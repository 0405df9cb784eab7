"""Each role's journey in a real browser, and no personal data left anywhere it should not be.

After logging in, opening every page the navigation offers, a warning (for
roles that see records), unmasking one phone number on purpose (for roles
allowed to) and logging out, none of the people's real phone, ID or bank
account numbers (read from the database) may appear in the server's log,
the browser's storage and cookies, any URL it requested, any answer of
Dash's endpoints or the page HTML, except the one value unmasked on purpose,
in the answer and the element that show it.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import allowed
from dashboard.domain import OrgUnit, Warning
from tests.browser.conftest import login

NUMBERS = re.compile(r"\d{11,}[\dXx]?")
ROLES = ["leader", "commander", "officer", "press", "sysadmin", "secadmin", "auditor"]


@pytest.fixture(scope="module")
def people(browser_database):
    """Every real phone, ID and account number, and one warning of station 35020301."""
    with Session(browser_database.engine) as session:
        rows = session.execute(select(Warning.person_phone, Warning.person_id_number,
                                      Warning.person_bank_account)).all()
        station = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "35020301"))
        warning_id = session.scalar(select(Warning.id).where(Warning.station_id == station)
                                    .order_by(Warning.id.desc()).limit(1))
    numbers = {value for row in rows for value in row if value}
    assert len(numbers) > 10_000
    return numbers, warning_id


class ServerLog:
    """What the live server (a process of its own) logs, at every level, from now on."""

    def __init__(self, server) -> None:
        self.server, self.start = server, server.log_size()

    @property
    def lines(self) -> list[str]:
        return self.server.log_text(self.start).splitlines()


@pytest.fixture
def server_log(live_server) -> ServerLog:
    return ServerLog(live_server)


def leaked(texts, numbers: set[str]) -> set[str]:
    found = set()
    for text in texts:
        found |= {n for n in NUMBERS.findall(text) if n in numbers}
    return found


def visit_navigation(page, base_url: str) -> list[str]:
    """Open every page of the navigation bar; the HTML of each."""
    html = [page.content()]
    links = page.eval_on_selector_all("nav a.nav-link",
                                      "els => els.map(e => e.getAttribute('href'))")
    for href in links:
        page.goto(base_url + href)
        page.wait_for_selector("#_pages_content > *")
        page.wait_for_load_state("networkidle")
        html.append(page.content())
    return html


@pytest.mark.parametrize("role", ROLES)
def test_a_full_session_leaves_no_personal_data_behind(anonymous_page, live_server, people,
                                                       server_log, role):
    numbers, warning_id = people
    page, base = anonymous_page, live_server.url
    urls, bodies = [], []

    def keep(response):
        urls.append(response.url)
        if "/_dash-" in response.url and response.status == 200:
            bodies.append(response.text())

    page.on("response", keep)
    login(page, base, role)
    html = visit_navigation(page, base)
    unmasked = None
    if allowed(role, "view_records"):
        page.goto(f"{base}/warnings/{warning_id}")
        page.wait_for_selector("#warning-title")
        html.append(page.content())
        assert not leaked([page.content()], numbers), "a warning page showed a clear number"
        if allowed(role, "unmask_personal_data"):
            page.click("button:has-text('查看明文')")
            page.wait_for_function("() => /^\\d{11}/.test("
                                   "document.querySelector('span.font-monospace').innerText)")
            value = page.locator("span.font-monospace").first.inner_text()
            assert NUMBERS.fullmatch(value) and value in numbers
            unmasked = value
    if role == "sysadmin":
        page.goto(base + "/admin/users")
        page.wait_for_selector("#users-table-rows")
        assert "users-row-officer" in page.content()
    if role == "secadmin":
        page.goto(base + "/admin/roles")
        page.wait_for_selector("#roles-table-rows")
        assert "roles-row-officer" in page.content()
        page.goto(base + "/admin/policy")
        page.wait_for_selector("#policy-rows")
    if role == "auditor":
        page.goto(base + "/audit")
        page.wait_for_selector("#audit-rows tr")
        html.append(page.content())
    storage = page.evaluate("() => JSON.stringify([localStorage, sessionStorage])")
    cookies = json.dumps(page.context.cookies())
    page.click("#shell-logout")
    page.wait_for_selector("#login-form")

    allowed_leak = {unmasked} if unmasked else set()
    assert leaked(server_log.lines, numbers) == set(), "the server log holds personal data"
    assert leaked([storage, cookies], numbers) == set(), "browser storage holds personal data"
    assert leaked(urls + [page.url], numbers) == set(), "a URL carried personal data"
    assert leaked(bodies, numbers) <= allowed_leak, "a Dash answer carried personal data"
    assert leaked(html, numbers) == set(), "a page showed personal data before unmasking"
    assert server_log.lines, "nothing was logged: the capture is not working"


def test_logout_ends_the_session_for_the_browser(page, live_server):
    page.click("#shell-logout")
    page.wait_for_selector("#login-form")
    page.goto(live_server.url + "/")
    assert "/login" in page.url and page.locator("#login-form").count() == 1


def test_english_login_page_and_wrong_password(anonymous_page, live_server):
    page = anonymous_page
    page.goto(live_server.url + "/lang/en?next=/login")
    page.fill("#login-username", "officer")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    assert page.locator("#login-error").inner_text().startswith("Wrong username or password")
    assert page.locator("#login-title").inner_text() == "Log in"


def test_an_ended_session_sends_the_open_page_to_the_login(page, live_server, page_record):
    page.goto(live_server.url + "/404")
    page.wait_for_selector("#access-not-found")
    page.context.clear_cookies()  # as after a logout elsewhere or a timeout
    page.evaluate("() => window.dash_clientside.set_props('_pages_location', {pathname: '/'})")
    page.wait_for_selector("#login-form")
    assert "/login?next=" in page.url
    page_record.console_errors.clear()  # the refused request is logged by the browser
