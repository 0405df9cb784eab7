"""The press officer's journey in a real browser: preview, edit the headlines, export, download.

The export runs as a job while the page polls; the download must be the
CSV with its byte-order mark and the edited sentence, and the page must ask
nothing of any host but 127.0.0.1 (checked by the ``page`` fixtures).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_press_previews_edits_and_downloads_a_csv(anonymous_page, live_server, tmp_path):
    page = anonymous_page
    login(page, live_server.url, "press")
    page.goto(live_server.url + "/statistics")
    page.wait_for_selector("#statistics-preview-body")
    page.wait_for_selector("#statistics-table-figures")
    page.wait_for_selector("#statistics-chart-units .main-svg")  # plotly draws after the table comes
    assert page.locator("#statistics-chart-units .main-svg").count() >= 1
    page.click("#statistics-preview-button")
    page.wait_for_selector("#statistics-table-figures")
    page.fill("#statistics-headlines", "本月预警量同比上升（测试句）。")
    with page.expect_download(timeout=60_000) as waiting:
        page.click("#statistics-export-csv")
    download = waiting.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "本月预警量同比上升（测试句）。" in content.decode("utf-8-sig")
    page.wait_for_function("document.querySelector('#statistics-export-status').innerText.includes('.csv')")
