"""Wall mode: the chosen units and views rotate on a timer, inside the viewer's scope, with no controls."""

from __future__ import annotations

from tests.web.test_overview import find, render, text


def rotate(client, tick: int, config: dict):
    body = {"output": "wall-body.children", "outputs": {"id": "wall-body", "property": "children"},
            "inputs": [{"id": "wall-tick", "property": "n_intervals", "value": tick}],
            "state": [{"id": "wall-config", "property": "data", "value": config}],
            "changedPropIds": ["wall-tick.n_intervals"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]["wall-body"]["children"]


def test_wall_rotates_through_units_and_views(client):
    page = render(client, "?units=350203,999999,350206&views=overview,trend&seconds=5", "/wall")
    assert find(page, "wall-page")["props"]["className"] == "wall-mode"
    assert find(page, "wall-tick")["props"]["interval"] == 10_000  # at least 10 seconds
    config = find(page, "wall-config")["props"]["data"]
    assert config["units"] == ["350203", "350206"] and config["views"] == ["overview", "trend"]
    assert find(page, "wall-unit")["props"]["children"] == "思明分局"
    assert find(page, "wall-position")["props"]["children"] == "1 / 4"  # the unknown unit is left out
    figure = find(page, "wall-map")["props"]["figure"]
    assert figure["layout"]["map"]["style"]["layers"][0]["type"] == "background"  # dark, no tiles
    second = rotate(client, 1, config)
    assert find(second, "wall-trend") is not None and find(second, "wall-map") is None
    third = rotate(client, 2, config)
    assert find(third, "wall-unit")["props"]["children"] == "湖里分局"
    assert find(rotate(client, 4, config), "wall-position")["props"]["children"] == "1 / 4"


def test_wall_has_no_controls(client):
    page = render(client, "", "/wall")
    assert find(page, "wall-unit")["props"]["children"] == "厦门市公安局"
    for kind in ("Dropdown", "RadioItems", "DatePickerRange", "Checklist", "Button", "Input"):
        assert f'"type": "{kind}"' not in text(page)


def test_a_wall_of_units_outside_the_scope_shows_nothing(client):
    page = render(client, "?units=999999", "/wall")
    assert find(page, "wall-empty") is not None
