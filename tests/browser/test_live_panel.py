"""The live panel refreshes on its own and keeps working across a server restart."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer, login


@pytest.fixture
def restartable(browser_database, tmp_path):
    """A server of our own (refreshing every second) that the test may stop and start again."""
    def start(port: int = 0) -> LiveServer:
        return LiveServer({"DATABASE_URL": browser_database.url, "INSTANCE_PATH": str(tmp_path),
                           "LIVE_REFRESH_SECONDS": 1, "ESCALATION_IN_PROCESS": False}, port)

    servers: list[LiveServer] = []
    yield start, servers
    for server in servers:
        server.stop()


def wait_for_drawn_map(page) -> None:
    """The overview map is drawn and plotly.js has fetched its precinct shapes from the server."""
    page.wait_for_function(
        """() => { const gd = document.querySelector('#overview-map .js-plotly-plot');
            if (!gd || !gd._fullData || !gd._fullData.length) return false;
            const shapes = gd._fullData[0].geojson;
            return typeof shapes !== 'string'
                || (window.PlotlyGeoAssets && typeof window.PlotlyGeoAssets[shapes] === 'object'); }""")


def as_of(page) -> str:
    return page.locator("#overview-live-time").inner_text()


def test_live_panel_survives_a_restart(restartable, anonymous_page, page_record):
    start, servers = restartable
    server = start()
    servers.append(server)
    page = anonymous_page
    login(page, server.url, "leader")
    page.goto(server.url + "/?unit=350203&period=today")
    page.wait_for_selector("#overview-live-time")
    title = page.locator("#overview-title").inner_text()
    first = as_of(page)
    page.wait_for_function("(t) => document.querySelector('#overview-live-time').innerText !== t", arg=first)
    wait_for_drawn_map(page)  # on a slow machine the map may come after the first tick
    page.evaluate("() => { window.__marker = document.querySelector('#overview-map'); }")

    port = int(server.url.rsplit(":", 1)[1])
    server.stop()
    servers.remove(server)
    page.wait_for_timeout(2500)  # ticks fail while the server is down
    stalled = as_of(page)
    restarted = start(port)
    servers.append(restarted)
    page.wait_for_function("(t) => document.querySelector('#overview-live-time').innerText !== t",
                           arg=stalled, timeout=15_000)
    # only the live panel changed: the rest of the page is the same DOM, not redrawn
    assert page.evaluate("() => window.__marker === document.querySelector('#overview-map')")
    assert page.locator("#overview-title").inner_text() == title
    page_record.console_errors.clear()  # the refused requests while it was down are logged
