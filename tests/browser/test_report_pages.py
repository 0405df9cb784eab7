"""A leader's journey through the funds, cases and prevention pages: drill down by clicking, in the URL.

The ``page`` fixture fails the test on any console error or any request to a
host other than 127.0.0.1.
"""

from __future__ import annotations

import re

PERIOD = "from=2026-10-01&to=2026-10-31"  # inside the seeded history, whatever day the tests run


def wait_for_graph(page, graph_id: str) -> None:
    page.wait_for_function(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            return gd && gd._fullData && gd._fullData.length > 0
                && gd._ev && gd._ev.listeners('plotly_click').length > 0; }""", arg=graph_id)


def click_point(page, graph_id: str, customdata) -> None:
    """Plotly's own click event on the bar whose customdata is ``customdata``."""
    page.evaluate(
        """([id, value]) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const i = gd.data[0].customdata.findIndex(c => c === value);
            if (i < 0) throw new Error('no bar ' + value);
            gd.emit('plotly_click', {points: [{curveNumber: 0, pointNumber: i, pointIndex: i,
                                               customdata: gd.data[0].customdata[i]}]}); }""",
        [graph_id, customdata])


def test_leader_drills_through_funds_cases_and_prevention(live_server, page):
    page.goto(f"{live_server.url}/funds?{PERIOD}")
    page.wait_for_selector("#funds-title")
    assert page.locator("#funds-title").inner_text().endswith("厦门市公安局")
    assert page.locator("#funds-kpi-amount_stopped").inner_text().strip() not in ("", "—")
    assert page.locator("#funds-largest tbody tr").count() == 10
    assert re.search(r"\d{4} \*{4} \*{4} \d{4}", page.locator("#funds-largest").inner_text())
    wait_for_graph(page, "funds-ranking")
    click_point(page, "funds-ranking", "350203")
    page.wait_for_url(re.compile(r"unit=350203"))
    page.wait_for_function("() => document.querySelector('#funds-title').innerText.endsWith('思明分局')")
    page.locator("#funds-unit-table a").first.click()  # the county's first station
    page.wait_for_url(re.compile(r"unit=350203\d\d"))
    page.wait_for_selector("#funds-crumb-county")

    page.goto(f"{live_server.url}/cases?{PERIOD}")
    wait_for_graph(page, "cases-ages")
    click_point(page, "cases-ages", 31)
    page.wait_for_url(re.compile(r"age=31"))
    page.wait_for_function(  # the list of open cases, now of the 31-90 days band
        "() => (document.querySelector('#cases-open-panel .card-header') || {}).innerText.includes('31')")
    assert page.locator("#cases-fraud-types tbody tr").count() == 12

    page.goto(f"{live_server.url}/prevention?{PERIOD}")
    page.wait_for_selector("#prevention-heatmap .js-plotly-plot")
    assert page.locator("#prevention-gaps tbody tr").count() == 48  # every station compared
    wait_for_graph(page, "prevention-ranking")
    click_point(page, "prevention-ranking", "350206")
    page.wait_for_url(re.compile(r"unit=350206"))
    page.wait_for_function("() => document.querySelector('#prevention-title').innerText.endsWith('湖里分局')")
