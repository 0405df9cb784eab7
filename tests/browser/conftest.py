"""Browser tests: Debian's headless Chromium driven by Playwright against a live server.

- ``live_server``: the real app (Flask + Dash) over a seeded SQLite demo
  database, served by werkzeug on 127.0.0.1 in a process of its own
  (``tests/browser/serve.py``), so no state of the test worker reaches the
  pages; ``LiveServer(config)`` starts another such server.
- ``page``: a fresh browser context and page, logged in as the demo leader;
  it records every request and console message, and fails the test if the
  page asked any host but 127.0.0.1 (police intranets have no internet) or
  logged a console error.  ``login(page, base_url, role)`` logs in as another
  demo user (the username is the role's code); ``anonymous_page`` is not
  logged in.

Where Chromium is missing these tests skip with a loud notice, except under
CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from dashboard.bench.browser import CHROMIUM_ARGS, chromium_path
from tests.conftest import TestDatabase, seeded_sqlite

LOCAL_SCHEMES = {"data", "blob", "about"}


def require_chromium() -> str:
    """Chromium's path; where it is missing, skip loudly (fail under CI=true)."""
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium): browser tests cannot run"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " and CI=true requires them")
        warnings.warn(message, stacklevel=1)
        pytest.skip("!!! SKIPPED: " + message)
    return path


@pytest.fixture(scope="session")
def browser():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory) -> Iterator[TestDatabase]:
    database = seeded_sqlite(tmp_path_factory, "browser")  # its own copy: the browser tests write
    yield database
    database.drop()


class LiveServer:
    """``create_app(config)`` served on 127.0.0.1:``port`` (0: any free one) by a process of its own
    (``tests/browser/serve.py``); ``url`` is its base URL and ``stop`` ends it and frees the port.
    What the server logs (every level) is kept in the file ``log_path``."""

    START_SECONDS = 120  # a busy 2-core machine imports Dash and builds the app in 5 to 30 s

    def __init__(self, config: dict, port: int = 0) -> None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        handle, self.log_path = tempfile.mkstemp(prefix="live-server-", suffix=".log")
        with os.fdopen(handle, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.serve", str(port), json.dumps(config)],
                cwd=root, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            line = self._first_line()
        except BaseException:
            self.stop()
            raise
        self.url = f"http://127.0.0.1:{int(line)}"

    def _first_line(self) -> str:
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=self.START_SECONDS):
                raise RuntimeError(f"the live server did not start within {self.START_SECONDS} s")
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"the live server did not start (exit code {self.process.poll()}):\n"
                               + self.log_text()[-3000:])
        return line

    def log_text(self, start: int = 0) -> str:
        """What the server has logged, from byte ``start`` of its log."""
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            log.seek(start)
            return log.read()

    def log_size(self) -> int:
        return os.path.getsize(self.log_path)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)


@pytest.fixture(scope="session")
def live_server(browser_database, tmp_path_factory) -> Iterator[LiveServer]:
    server = LiveServer({"DATABASE_URL": browser_database.url,
                         "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                         "ESCALATION_IN_PROCESS": False})  # tests run escalation passes themselves
    yield server
    server.stop()


class PageRecord:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.console_errors: list[str] = []

    def outside_requests(self) -> list[str]:
        outside = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in LOCAL_SCHEMES:
                continue
            if parsed.hostname != "127.0.0.1":
                outside.append(url)
        return outside


@pytest.fixture
def page_record() -> PageRecord:
    return PageRecord()


def login(page, base_url: str, role: str, password: str | None = None) -> None:
    """Log ``page`` in as the demo user ``role`` through the login form (logging out first)."""
    from dashboard.demo.users import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto(base_url + "/login")
    page.fill("#login-username", role)
    page.fill("#login-password", DEMO_PASSWORD if password is None else password)
    page.click("#login-submit")
    page.wait_for_selector("#shell-user-name", state="attached")  # on a phone, behind the menu's toggler


@pytest.fixture
def anonymous_page(browser, page_record, request):
    viewport = getattr(request, "param", None) or {"width": 1600, "height": 1000}
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("request", lambda r: page_record.requests.append(r.url))
    page.on("console", lambda m: page_record.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_record.console_errors.append(str(e)))
    yield page
    context.close()
    assert page_record.outside_requests() == [], "the page asked a host other than 127.0.0.1"
    assert page_record.console_errors == [], "the page logged console errors"


@pytest.fixture
def page(anonymous_page, live_server, request):
    viewport = getattr(request, "param", None)
    if viewport:  # @pytest.mark.parametrize("page", [{"width": ..., "height": ...}], indirect=True)
        anonymous_page.set_viewport_size(viewport)
    login(anonymous_page, live_server.url, "leader")
    return anonymous_page
