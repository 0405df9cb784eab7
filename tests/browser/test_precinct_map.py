"""The precinct map draws in a real browser, with nothing fetched from outside."""

import io

import numpy as np
from PIL import Image


def orange_pixels(png: bytes) -> int:
    """Pixels in the map's orange colour scale (white background and grey text excluded)."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 200) & (g > 80) & (g < 230) & (b < 170) & (r - b > 60)).sum())


def test_map_draws_precinct_polygons_offline(live_server, page, page_record):
    page.goto(live_server.url + "/precincts")
    page.wait_for_selector("#precincts-map .js-plotly-plot")
    page.wait_for_function(
        "() => { const gd = document.querySelector('#precincts-map .js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.length === 2 &&"
        " document.querySelector('#precincts-map canvas'); }")
    page.wait_for_timeout(1500)  # MapLibre paints after the style loads
    # the figure names its polygons by URL; plotly.js fetched them from this server
    features = page.evaluate(
        "() => { const url = document.querySelector('#precincts-map .js-plotly-plot')._fullData[0].geojson;"
        " return window.PlotlyGeoAssets[url].features.length; }")
    assert features == 48
    drawn = orange_pixels(page.locator("#precincts-map").screenshot())
    blank = orange_pixels(page.locator("#precincts-title").screenshot())
    assert blank == 0 and drawn > 20_000, "the precinct polygons were not painted"
    rows = page.locator("#precincts-district-rows tr")
    assert rows.count() == 6
    assert "思明分局" in page.locator("#precincts-district-table").inner_text()
    assert page_record.requests, "no request was recorded: the guard is not working"


def test_english_interface(live_server, page):
    page.goto(live_server.url + "/lang/en?next=/precincts")
    page.wait_for_selector("#precincts-title")
    assert page.locator("#precincts-title").inner_text().startswith("Warnings")
    assert "Siming Sub-bureau" in page.locator("#precincts-district-table").inner_text()
