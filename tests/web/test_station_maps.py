"""Maps at every level through the real stack: labels and their switch, a station with its neighbours
in grey and no ranking of one, a scale that one value cannot collapse, the officer's precinct page."""

from __future__ import annotations

from tests.web.dash_requests import find, render_page

OCTOBER = "?from=2026-10-01&to=2026-10-31"  # a month of the seeded history


def _map(page, graph_id: str = "overview-map") -> dict:
    return find(page, graph_id)["props"]["figure"]


def _assert_station_map(figure: dict, code: str) -> None:
    """The station alone in colour, its neighbours grey and mute, a scale from zero."""
    own, grey = figure["data"][0], figure["data"][1]
    assert len(own["locations"]) == 1 and own["customdata"][0][2] == code
    assert (own["zmin"], own["zmax"]) == (0, own["z"][0] or 1.0)  # not the value +- 0.4
    assert grey["hoverinfo"] == "skip" and "customdata" not in grey and grey["showscale"] is False
    assert len({color for _, color in grey["colorscale"]}) == 1
    features = grey["geojson"]["features"]
    assert features and all(f["properties"] == {} and str(f["id"]).startswith("n") for f in features)
    assert set(features[0]) == {"type", "id", "properties", "geometry"}  # a shape, nothing of the unit
    [label] = figure["layout"]["meta"]["labels"]
    assert label["value"] == own["customdata"][0][1]


def test_an_officer_sees_the_station_with_its_neighbours_and_no_ranking(logged_in_client):
    officer = logged_in_client("officer")
    page = render_page(officer, "/", OCTOBER)
    figure = _map(page)
    _assert_station_map(figure, "35020301")
    assert figure["data"][0]["z"][0] > 0  # October's warnings: the scale runs from 0 to them
    assert figure["layout"]["meta"]["labels"][0]["name"] == find(page, "overview-title")["props"]["children"]
    panel = find(page, "overview-map-panel")
    assert "本所及周边辖区" in str(panel["props"]["children"][0])
    assert find(page, "overview-ranking-col")["props"]["style"] == {"display": "none"}  # one unit: nothing to rank
    assert find(page, "overview-ranking")["props"]["figure"] == {}  # the navigation's input, hidden
    assert find(page, "overview-map-labels")["props"]["value"] is True
    assert find(page, "overview-map-block")["props"]["className"] == "precinct-map"
    assert find(page, "overview-trend") is not None


def test_a_leader_drilling_to_a_station_sees_it_alone_and_its_county_ranked(client):
    page = render_page(client, "/", "?unit=35020301&" + OCTOBER[1:])
    _assert_station_map(_map(page), "35020301")
    ranking = find(page, "overview-ranking")["props"]["figure"]["data"][0]
    assert len(ranking["customdata"]) > 1 and "35020301" in ranking["customdata"]


def test_the_city_and_county_maps_name_their_units_with_their_values(client):
    city = _map(render_page(client, "/", OCTOBER))
    labels = city["layout"]["meta"]["labels"]
    assert len(labels) == 6 and "思明分局" in {label["name"] for label in labels}
    assert [label["value"] for label in labels] == [c[1] for c in city["data"][0]["customdata"]]
    assert "zmin" not in city["data"][0]  # several values: their own range
    county = render_page(client, "/", "?unit=350203&" + OCTOBER[1:])
    assert len(_map(county)["layout"]["meta"]["labels"]) == len(_map(county)["data"][0]["locations"]) > 3
    assert find(county, "overview-map-labels")["props"]["value"] is True
    assert find(county, "overview-ranking-panel") is not None
    assert find(county, "overview-ranking-col")["props"].get("style") is None  # several units: ranked
    assert find(county, "overview-ranking")["props"]["figure"]["data"]


def test_the_labels_switch_is_wired_in_the_browser(client):
    wiring = {item["output"]: item for item in client.get("/_dash-dependencies").get_json()}
    for prefix in ("overview", "precincts"):
        callback = wiring[f"{prefix}-map-block.className"]
        assert callback["clientside_function"] is not None
        assert callback["inputs"] == [{"id": f"{prefix}-map-labels", "property": "value"}]


def test_the_officers_precinct_page_speaks_of_the_station(logged_in_client):
    officer = logged_in_client("officer")
    page = render_page(officer, "/precincts")
    station = _map(page, "precincts-map")["layout"]["meta"]["labels"][0]["name"]
    title = find(page, "precincts-title")["props"]["children"]
    assert title.startswith(station) and "全市" not in title
    assert "本所辖区" in find(page, "precincts-subtitle")["props"]["children"]
    _assert_station_map(_map(page, "precincts-map"), "35020301")
    assert len(find(page, "precincts-district-rows")["props"]["children"]) == 1
    assert "派出所" in str(find(page, "precincts-district-table")["props"]["children"][0])


def test_the_city_precinct_map_starts_without_its_crowded_labels(client, logged_in_client):
    page = render_page(client, "/precincts")
    assert find(page, "precincts-title")["props"]["children"].startswith("全市")
    assert len(_map(page, "precincts-map")["layout"]["meta"]["labels"]) == 48
    assert find(page, "precincts-map-labels")["props"]["value"] is False
    assert find(page, "precincts-map-block")["props"]["className"] == "precinct-map map-labels-off"
    commander = render_page(logged_in_client("commander"), "/precincts")
    assert find(commander, "precincts-title")["props"]["children"].startswith("思明分局")


def test_an_officers_wall_ranks_nothing_and_labels_its_station(logged_in_client):
    officer = logged_in_client("officer")
    trend = render_page(officer, "/wall", "?views=trend")
    # the ranking's place stays in the page for a unit that ranks, hidden and empty; the outcome mix beside the trend
    assert find(trend, "wall-main-trend")["props"]["className"].endswith(" wall-unranked")
    assert find(trend, "wall-ranking")["props"]["figure"]["data"] == []
    assert find(trend, "wall-trend") is not None and find(trend, "wall-outcomes") is not None
    overview = render_page(officer, "/wall", "?views=overview")
    _assert_station_map(_map(overview, "wall-map"), "35020301")
    assert find(overview, "wall-map-block")["props"]["className"] == "precinct-map"


def test_report_pages_rank_nothing_for_an_officer_and_rank_a_commanders_stations(logged_in_client):
    officer, commander = logged_in_client("officer"), logged_in_client("commander")
    for path, prefix in {"/funds": "funds", "/cases": "cases", "/prevention": "prevention"}.items():
        page = render_page(officer, path, OCTOBER)
        assert find(page, f"{prefix}-ranking-panel") is None, path
        assert find(page, f"{prefix}-ranking")["props"]["figure"] == {}, path  # the navigation's input
        assert find(render_page(commander, path, OCTOBER), f"{prefix}-ranking-panel") is not None, path
    assert find(render_page(officer, "/funds", OCTOBER), "funds-units-panel") is not None
