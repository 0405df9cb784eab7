"""The command overview through the real Flask + Dash stack: URL state, drill-down, scope, live panel."""

from __future__ import annotations

import json

import pytest

ROUTER = ".._pages_content.children..._pages_store.data.."


def render(client, search: str = "", pathname: str = "/"):
    body = {"output": ROUTER,
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.search"], "state": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_json()["response"]["_pages_content"]["children"]


def find(component, component_id):
    if isinstance(component, dict):
        if component.get("props", {}).get("id") == component_id:
            return component
        for value in component.get("props", {}).values():
            found = find(value, component_id)
            if found:
                return found
    elif isinstance(component, list):
        for item in component:
            found = find(item, component_id)
            if found:
                return found
    return None


def text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def callback(client, output: str, outputs: list, inputs: list, state: list, changed: str):
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [changed]}
    response = client.post("/_dash-update-component", json=body)
    return response


def navigate(client, changed: str, value, state: dict):
    """Fire the overview's navigation callback as the browser does when ``changed`` changes."""
    values = {"overview-period.value": "month", "overview-dates.start_date": None,
              "overview-dates.end_date": None, "overview-metric.value": "received",
              "overview-per.value": [], "overview-map.clickData": None,
              "overview-ranking.clickData": None}
    values[changed] = value
    inputs = [{"id": key.split(".")[0], "property": key.split(".")[1], "value": v} for key, v in values.items()]
    response = callback(client, "overview-url.search", {"id": "overview-url", "property": "search"},
                        inputs, [{"id": "overview-state", "property": "data", "value": state}], changed)
    if response.status_code == 204:  # no_update: the URL stays
        return None
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_json()["response"].get("overview-url", {}).get("search")


def test_the_city_overview(client):
    page = render(client, "?period=month")
    assert find(page, "overview-title")["props"]["children"] == "厦门市公安局"
    assert find(page, "overview-kpi-received") is not None
    figure = find(page, "overview-map")["props"]["figure"]
    assert figure["data"][0]["type"] == "choroplethmap"
    assert len(figure["data"][0]["locations"]) == 6  # the districts
    assert figure["layout"]["map"]["style"] == "white-bg"
    assert {c[2] for c in figure["data"][0]["customdata"]} >= {"350203", "350206"}
    assert find(page, "overview-ranking")["props"]["figure"]["data"][0]["customdata"]
    trend = find(page, "overview-trend")["props"]["figure"]
    assert [s["name"] for s in trend["data"]] == ["去年同期", "本期"]
    assert find(page, "overview-live-hourly") is not None
    assert find(page, "overview-live-tick")["props"]["interval"] == 10_000


def test_drilling_into_a_district_then_a_station(client):
    state = {"unit": "350200", "period": "month"}
    search = navigate(client, "overview-map.clickData", {"points": [{"customdata": ["思明分局", "1", "350203"]}]},
                      state)
    assert search == "?unit=350203&period=month"
    district = render(client, search)
    assert find(district, "overview-title")["props"]["children"] == "思明分局"
    stations = find(district, "overview-map")["props"]["figure"]["data"][0]["customdata"]
    assert len(stations) > 3 and all(c[2].startswith("350203") for c in stations)
    crumb = find(district, "overview-crumb-city")
    assert crumb["props"]["href"] == "/?unit=350200&period=month"
    station_code = stations[0][2]
    search = navigate(client, "overview-ranking.clickData", {"points": [{"customdata": station_code}]},
                      {"unit": "350203", "period": "month"})
    station = render(client, search)
    assert find(station, "overview-crumb-county")["props"]["href"] == "/?unit=350203&period=month"
    assert find(station, "overview-crumb-current") is not None
    figure = find(station, "overview-map")["props"]["figure"]
    assert [trace["type"] for trace in figure["data"]] == ["choroplethmap", "choroplethmap", "scattermap"]
    assert figure["data"][0]["customdata"][0][2] == station_code  # itself; its neighbours grey; its outline


def test_the_period_and_metric_go_into_the_url(client):
    state = {"unit": "350203", "period": "month"}
    assert navigate(client, "overview-period.value", "year", state) == "?unit=350203&period=year"
    custom = navigate(client, "overview-dates.end_date", "2026-10-31",
                      {**state, "period": None})
    assert custom is None  # no start date chosen yet: the URL stays
    body_state = {"unit": "350203", "from": "2026-10-01", "to": "2026-10-31"}
    page = render(client, "?unit=350203&from=2026-10-01&to=2026-10-31&metric=success_rate")
    assert find(page, "overview-period-dates")["props"]["children"] == "2026-10-01 – 2026-10-31"
    assert find(page, "overview-metric")["props"]["value"] == "success_rate"
    assert navigate(client, "overview-per.value", ["10k"], body_state).endswith("per=10k")


@pytest.mark.parametrize("search", ["?unit=999999", "?unit=350203%27--", "?unit="])
def test_a_unit_outside_the_scope_or_unknown_shows_nothing(client, search):
    page = render(client, search)
    if search == "?unit=":
        assert find(page, "overview-title") is not None  # no unit: the top of the scope
    else:
        assert find(page, "overview-empty") is not None and find(page, "overview-title") is None


# the live panel's tick for district 350203, as the browser sends it
LIVE_PANEL = {"output": "..overview-live-counters.children...overview-live-hourly.figure..",
              "outputs": [{"id": "overview-live-counters", "property": "children"},
                          {"id": "overview-live-hourly", "property": "figure"}],
              "inputs": [{"id": "overview-live-tick", "property": "n_intervals", "value": 3},
                         {"id": "overview-state", "property": "data", "value": {"unit": "350203"}}],
              "state": [], "changedPropIds": ["overview-live-tick.n_intervals"]}


def test_the_live_panel_refreshes_alone(client):
    response = client.post("/_dash-update-component", json=LIVE_PANEL)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert "overview-live-recent" in text(answer["overview-live-counters"])
    assert answer["overview-live-hourly"]["figure"]["data"][0]["type"] == "bar"


def test_assign_task_opens_the_form_for_the_unit_in_view(client, logged_in_client):
    """A leader (who issues tasks) gets "Assign task" at a county or station view, not at the city."""
    assert find(render(client), "overview-assign-task") is None
    button = find(render(client, "?unit=350203"), "overview-assign-task")
    assert button is not None and button["props"]["href"] == "/tasks/new?target=350203"
    officer = logged_in_client("officer")
    assert find(render(officer), "overview-assign-task") is None  # officers do not issue tasks
