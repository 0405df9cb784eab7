"""The ``journey`` fixture: one role's way through the app in one language, checked at each stop.

``journey`` is parametrized over zh-CN and en.  It drives the ``anonymous_page``
of ``tests/browser/conftest.py`` (which fails the test on any request to a host
but 127.0.0.1 and on any console error) against the session's live server.

- ``journey.login(role, path)``: the login page in the journey's language is
  checked, the demo user logs in through the form, and the language is chosen
  through ``/lang/<code>?next=<path>`` as a person would.
- ``journey.check(where)``: no untranslated text on the page (``untranslated``).
- ``journey.choose(dropdown, value)``: pick an option of a Dash dropdown by value,
  the dropdown's open list checked on the way.
- ``journey.shot(name)``: with ``--update-shots``, the page as shown at
  1600 x 1000 goes to ``docs/screenshots/<name>.png``; without it nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit
from dashboard.i18n import LANGUAGES, name_of, translate
from tests.browser.conftest import login
from tests.browser.journeys.untranslated import Vocabulary, assert_translated

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


class Journey:
    def __init__(self, page, base_url: str, lang: str, engine, shots: bool) -> None:
        self.page, self.base, self.lang, self.engine, self.shots = page, base_url, lang, engine, shots

    def t(self, key: str, **params) -> str:
        return translate(key, self.lang, **params)

    def unit_name(self, code: str) -> str:
        with Session(self.engine) as session:
            return name_of(session.scalar(select(OrgUnit).where(OrgUnit.code == code)), self.lang)

    def name(self, model, code: str) -> str:
        """The name in the journey's language of a reference list's item."""
        with Session(self.engine) as session:
            return name_of(session.get(model, code), self.lang)

    def login(self, role: str, path: str = "/") -> None:
        self.page.context.clear_cookies()
        self.page.goto(f"{self.base}/lang/{self.lang}?next=/login")
        self.page.wait_for_selector("#login-form")
        self.check("the login page")
        login(self.page, self.base, role)
        self.page.goto(f"{self.base}/lang/{self.lang}?next={quote(path, safe='/')}")
        self.page.wait_for_selector(f"#lang-{self.lang}.active")

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        assert_translated(self.page, Vocabulary(self.lang, self.engine), where)

    def choose(self, dropdown_id: str, value: str) -> None:
        """Open the dropdown, check its list, click the option whose value is ``value``, close it."""
        self.page.click(f"#{dropdown_id}")
        options = self.page.locator(".dash-dropdown-content [role=option]")
        options.first.wait_for()
        self.check(f"the open dropdown {dropdown_id}")
        options.filter(has=self.page.locator(f"input[value='{value}']")).click()
        if self.page.locator(".dash-dropdown-content").count():  # a multiple choice stays open
            self.page.keyboard.press("Escape")

    def shot(self, name: str) -> None:
        if self.shots:
            self.page.evaluate("() => window.scrollTo(0, 0)")
            self.page.wait_for_timeout(1000)  # for the picture only: MapLibre paints after the page is idle
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=SCREENSHOTS / f"{name}-{self.lang}.png")


@pytest.fixture(params=LANGUAGES)
def journey(request, anonymous_page, live_server, browser_database, page_record) -> Journey:
    yield Journey(anonymous_page, live_server.url, request.param, browser_database.engine,
                  request.config.getoption("--update-shots"))
    assert page_record.requests, "no request was recorded: the outside-request guard is not working"
