"""A leader's journey through the command overview: city -> district -> station -> back, in the URL."""

from __future__ import annotations

import re

import pytest

PERIOD = "from=2026-10-01&to=2026-10-31"  # inside the seeded history, whatever day the tests run


def wait_for_map(page, first: str | None = None) -> None:
    """The map is drawn and listens for clicks (and, if given, its first unit is ``first``)."""
    page.wait_for_function(
        """(first) => { const gd = document.querySelector('#overview-map .js-plotly-plot');
            return gd && gd._fullData && gd._fullData.length > 0 && gd.data[0].customdata
                && gd._ev && gd._ev.listeners('plotly_click').length > 0
                && (!first || gd.data[0].customdata[0][2] === first); }""", arg=first)


def map_codes(page) -> list[str]:
    return page.evaluate(
        "() => document.querySelector('#overview-map .js-plotly-plot').data[0].customdata.map(c => c[2])")


def click_unit(page, code: str) -> None:
    """Click a precinct: plotly's own click event on the map (a WebGL canvas has no DOM to click)."""
    page.evaluate(
        """(code) => { const gd = document.querySelector('#overview-map .js-plotly-plot');
            const i = gd.data[0].customdata.findIndex(c => c[2] === code);
            if (i < 0) throw new Error('no precinct ' + code);
            gd.emit('plotly_click', {points: [{curveNumber: 0, pointNumber: i, pointIndex: i,
                                               location: gd.data[0].locations[i]}]}); }""", code)


def title(page) -> str:
    return page.locator("#overview-title").inner_text()


def test_leader_drills_down_and_back_with_the_url(live_server, page, page_record):
    page.goto(f"{live_server.url}/?{PERIOD}")
    wait_for_map(page)
    assert title(page) == "厦门市公安局"
    districts = map_codes(page)
    assert len(districts) == 6 and "350203" in districts
    assert page.locator("#overview-kpi-received").inner_text().strip() not in ("", "—")
    # a drill redraws what changes: the map is the same plotly.js instance, recoloured in place
    page.evaluate("() => { window.__map = document.querySelector('#overview-map .js-plotly-plot'); }")

    click_unit(page, "350203")
    page.wait_for_url(re.compile(r"unit=350203"))
    page.wait_for_function("() => document.querySelector('#overview-title').innerText === '思明分局'")
    wait_for_map(page)
    stations = map_codes(page)
    assert len(stations) > 3 and all(code.startswith("350203") for code in stations)
    assert page.evaluate("() => window.__map === document.querySelector('#overview-map .js-plotly-plot')")
    assert "思明分局" in page.locator("#overview-breadcrumb").inner_text()
    district_url = page.url

    station = stations[0]
    click_unit(page, station)
    page.wait_for_url(re.compile(rf"unit={station}"))
    page.wait_for_selector("#overview-crumb-county")
    station_name = title(page)
    assert station_name.endswith("派出所")
    crumbs = page.locator("#overview-breadcrumb").inner_text()
    assert "厦门市公安局" in crumbs and "思明分局" in crumbs and station_name in crumbs
    station_url = page.url
    assert "from=2026-10-01" in station_url and "to=2026-10-31" in station_url

    page.click("#overview-crumb-city")
    page.wait_for_url(re.compile(r"unit=350200"))
    page.wait_for_function("() => document.querySelector('#overview-title').innerText === '厦门市公安局'")

    page.go_back()  # the browser's back button returns to the station, forward to the city
    page.wait_for_function(f"() => document.querySelector('#overview-title').innerText === '{station_name}'")
    assert page.url == station_url
    page.go_back()
    page.wait_for_function("() => document.querySelector('#overview-title').innerText === '思明分局'")
    assert page.url == district_url
    page.go_forward()
    page.wait_for_function(f"() => document.querySelector('#overview-title').innerText === '{station_name}'")

    page.goto(station_url)  # a bookmark opens the same view
    page.wait_for_selector("#overview-crumb-county")
    assert title(page) == station_name
    assert page.locator("#overview-period-dates").inner_text() == "2026-10-01 – 2026-10-31"


def test_period_picker_and_metric_change_the_url(live_server, page):
    page.goto(f"{live_server.url}/?unit=350206&{PERIOD}")
    wait_for_map(page)
    page.click("label:has-text('本年')")
    page.wait_for_url(re.compile(r"period=year"))
    page.wait_for_function("() => document.querySelector('#overview-period-dates').innerText.endsWith('-12-31')")
    assert "unit=350206" in page.url


WALL_GRAPHS = ("wall-map", "wall-hourly", "wall-trend", "wall-outcomes", "wall-ranking")
# the plotly.js instances of the wall's graphs, remembered; then whether each is still in the page
KEEP_GRAPHS = """(ids) => { window.__graphs = ids.map(id => document.querySelector('#' + id + ' .js-plotly-plot')); }"""
SAME_GRAPHS = """(ids) => ids.filter((id, i) =>
    window.__graphs[i] !== document.querySelector('#' + id + ' .js-plotly-plot'))"""


def wall_step(page, tick: int, unit: str, position: str) -> None:
    """The wall's timer fired (as its interval fires it), until the screen shows ``unit`` at ``position``."""
    page.evaluate("(tick) => window.dash_clientside.set_props('wall-tick', {n_intervals: tick})", tick)
    page.wait_for_function("([unit, position]) => document.querySelector('#wall-unit').innerText === unit"
                           " && document.querySelector('#wall-position').innerText === position",
                           arg=[unit, position])


@pytest.mark.parametrize("page", [{"width": 1920, "height": 1080}], indirect=True)
def test_wall_rotates_full_screen(live_server, page):
    page.goto(f"{live_server.url}/wall?units=350203,350206&seconds=10&{PERIOD}")
    page.wait_for_selector("#wall-map .js-plotly-plot")
    assert page.locator(".navbar").is_hidden()
    assert page.locator("#wall-unit").inner_text() == "思明分局"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", page.locator("#wall-clock").inner_text())
    page.evaluate("() => { window.__map = document.querySelector('#wall-map .js-plotly-plot'); }")
    page.wait_for_function("() => document.querySelector('#wall-unit').innerText === '湖里分局'",
                           timeout=25_000)
    assert page.locator("#wall-position").inner_text() == "2 / 2"
    # the step redrew what changed: the map is the same plotly.js instance, showing the new district
    assert page.evaluate("() => window.__map === document.querySelector('#wall-map .js-plotly-plot')")
    page.wait_for_function("() => window.__map.data[0].customdata.every(c => c[2].startsWith('350206'))")


@pytest.mark.parametrize("page", [{"width": 1920, "height": 1080}], indirect=True)
def test_a_wall_step_keeps_every_graph_and_shows_one_view(live_server, page):
    page.goto(f"{live_server.url}/wall?units=350203,350206&views=overview,trend&seconds=3600&{PERIOD}")
    page.wait_for_selector("#wall-map .js-plotly-plot")
    page.wait_for_selector("#wall-trend .js-plotly-plot", state="attached")
    assert page.locator("#wall-main-trend").is_hidden()
    page.evaluate(KEEP_GRAPHS, WALL_GRAPHS)

    wall_step(page, 1, "思明分局", "2 / 4")  # the district's trend, ranking and outcome mix
    assert page.locator("#wall-main-overview").is_hidden() and page.locator("#wall-ranking").is_visible()
    page.wait_for_function("() => document.querySelector('#wall-trend .js-plotly-plot').data.length > 0")
    box = page.locator("#wall-ranking").bounding_box()
    assert box["width"] > 400 and box["height"] > 400  # drawn at its panel's size once shown

    wall_step(page, 2, "湖里分局", "3 / 4")  # the next district's map
    assert page.locator("#wall-main-trend").is_hidden() and page.locator("#wall-map").is_visible()
    page.wait_for_function("() => document.querySelector('#wall-map .js-plotly-plot').data[0]"
                           ".customdata.every(c => c[2].startsWith('350206'))")
    wall_step(page, 3, "湖里分局", "4 / 4")
    assert page.evaluate(SAME_GRAPHS, WALL_GRAPHS) == []  # no graph was drawn anew


def test_library_screen_reader_labels_are_in_the_page_language(live_server, page):
    """The map's region and its sources toggle are labelled in Chinese, not the map library's English."""
    page.goto(f"{live_server.url}/?{PERIOD}")
    wait_for_map(page)
    page.wait_for_function(
        "() => document.querySelector('#overview-map [aria-label=\"地图\"]') !== null"
        " && document.querySelector('#overview-map [aria-label=\"显示或隐藏地图来源\"]') !== null")
    assert page.locator("#overview-map [aria-label='Map']").count() == 0
    assert page.locator("#overview-map [aria-label='Toggle attribution']").count() == 0
