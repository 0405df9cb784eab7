"""The maps' labels in a real browser: names and values over the map, placed by it, and the switch."""

from tests.browser.conftest import login

LABELS = "() => document.querySelectorAll('#{block} .map-label').length === {n}"


def _inside(page, block: str) -> bool:
    """Whether every label's centre lies inside the map's box."""
    return page.evaluate(
        "(block) => { const map = document.querySelector('#' + block).getBoundingClientRect();"
        " return [...document.querySelectorAll('#' + block + ' .map-label')].every(el => {"
        " const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;"
        " return x >= map.left && x <= map.right && y >= map.top && y <= map.bottom; }); }", block)


def test_the_overview_map_names_its_districts_and_the_switch_hides_them(live_server, page):
    page.goto(live_server.url + "/?from=2026-10-01&to=2026-10-31")
    page.wait_for_function(LABELS.format(block="overview-map-block", n=6))
    labels = page.locator("#overview-map-block .map-label")
    assert "思明分局" in " ".join(labels.all_text_contents())
    assert labels.first.is_visible() and _inside(page, "overview-map-block")
    page.locator("#overview-map-labels").uncheck()
    page.wait_for_function("() => document.querySelector('#overview-map-block')"
                           ".classList.contains('map-labels-off')")
    assert not labels.first.is_visible()


def test_the_city_precinct_map_shows_its_crowded_labels_when_asked(live_server, page):
    page.goto(live_server.url + "/precincts")
    page.wait_for_function(LABELS.format(block="precincts-map-block", n=48))
    labels = page.locator("#precincts-map-block .map-label")
    assert not labels.first.is_visible()  # 48 stations: off at first
    page.locator("#precincts-map-labels").check()
    page.wait_for_function("() => !document.querySelector('#precincts-map-block')"
                           ".classList.contains('map-labels-off')")
    assert labels.first.is_visible() and _inside(page, "precincts-map-block")


def test_an_officer_sees_the_station_named_among_grey_neighbours(live_server, page):
    login(page, live_server.url, "officer")
    page.goto(live_server.url + "/?from=2026-10-01&to=2026-10-31")
    page.wait_for_function(LABELS.format(block="overview-map-block", n=1))
    assert "中华" in page.locator("#overview-map-block .map-label").inner_text()
    assert page.locator("#overview-ranking-panel").is_hidden()
    traces = page.evaluate("() => document.querySelector('#overview-map .js-plotly-plot')._fullData.length")
    assert traces == 3  # the station, its grey neighbours, its outline
