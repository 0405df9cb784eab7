"""Wall mode: the chosen units and views rotate on a timer, inside the viewer's scope, with no controls.

A rotation step sends only what the screen changes (``components.wall.STEP``), exactly what the page
drawn whole shows for the same screen; the graphs and the map stay in the page.
"""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.components.wall import BY_VIEW, COMMON, HIDDEN, SCREEN, STEP
from dashboard.domain import AuditEntry
from dashboard.domain.base import now_local
from tests.web.test_overview import find, render, text

CONFIG = {"units": ["350203", "350206"], "views": ["overview", "trend"], "seconds": 10,
          "period": {"from": "2026-10-01", "to": "2026-10-31"}}
PERIOD = "period=custom&from=2026-10-01&to=2026-10-31"


def step(client, tick: int, config: dict):
    """The answer to the wall's timer at ``tick`` (the response, whatever its status)."""
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in STEP) + "..",
            "outputs": [{"id": i, "property": p} for i, p in STEP],
            "inputs": [{"id": "wall-tick", "property": "n_intervals", "value": tick}],
            "state": [{"id": "wall-config", "property": "data", "value": config}],
            "changedPropIds": ["wall-tick.n_intervals"]}
    return client.post("/_dash-update-component", json=body)


def rotate(client, tick: int, config: dict) -> dict:
    """What step ``tick`` changes: {(component id, property): value}."""
    response = step(client, tick, config)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {(component, prop): value for component, props in response.get_json()["response"].items()
            for prop, value in props.items()}


@pytest.fixture
def still_clock(client, monkeypatch):
    """The wall's clock stopped (the live counters say the time to the second); the page's module is
    Dash's (``use_pages``), in ``sys.modules`` once the app is made."""
    now = now_local()
    monkeypatch.setattr(sys.modules["dashboard.pages.wall"], "now_local", lambda: now)


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
    assert find(page, "wall-main-trend")["props"]["style"] == HIDDEN
    second = rotate(client, 1, config)  # the trend: the map's place hidden, the trend's shown
    assert second[("wall-main-overview", "style")] == HIDDEN and second[("wall-main-trend", "style")] is None
    assert second[("wall-trend", "figure")]["data"] and ("wall-map", "figure") not in second
    third = rotate(client, 2, config)
    assert third[("wall-unit", "children")] == "湖里分局" and ("wall-trend", "figure") not in third
    assert third[("wall-main-overview", "style")] is None
    assert rotate(client, 4, config)[("wall-position", "children")] == "1 / 4"


@pytest.mark.parametrize(("tick", "units", "views"), [
    (4, "350203,350206", "overview,trend"),  # the first screen again: the page as drawn
    (1, "350203", "trend"),
    (2, "350206", "overview"),
    (3, "350206", "trend"),
])
def test_a_step_sends_what_the_page_drawn_whole_shows(client, still_clock, tick, units, views):
    answer = rotate(client, tick, CONFIG)
    view = views.split(",")[0]
    assert set(answer) == {*SCREEN, *COMMON, *BY_VIEW[view]}  # the other view's places keep theirs
    page = render(client, f"?units={units}&views={views}&{PERIOD}", "/wall")  # that screen first
    for component, prop in answer:
        drawn = find(page, component)
        assert drawn is not None, component
        if (component, prop) != ("wall-position", "children"):
            assert answer[component, prop] == drawn["props"].get(prop), (component, prop)
    assert answer["wall-position", "children"] == f"{tick % 4 + 1} / 4"
    assert find(page, "wall-empty")["props"]["children"] is None


def test_a_step_to_a_unit_outside_the_scope_draws_nothing_and_is_audited(logged_in_client, seeded_engine):
    commander = logged_in_client("commander")  # 思明分局 350203
    answer = rotate(commander, 1, {**CONFIG, "units": ["350205"]})
    assert answer == {("wall-screen", "style"): HIDDEN,
                      ("wall-empty", "children"): "没有可查看的单位：该单位不存在或不在您的权限范围内。"}
    with Session(seeded_engine) as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")
                                 .order_by(AuditEntry.id.desc())).first()
    assert denied.username == "commander" and denied.object.startswith("unit:")
    mixed = rotate(commander, 1, {**CONFIG, "units": ["350205", "350203"], "views": ["overview"]})
    assert mixed[("wall-unit", "children")] == "思明分局" and mixed[("wall-position", "children")] == "1 / 1"
    assert "350205" not in text(mixed[("wall-map", "figure")]["data"])


def test_junk_in_the_rotation_is_refused_naming_the_input(client):
    response = step(client, 1, {**CONFIG, "views": ["overview", "<script>"]})
    assert response.status_code == 400
    assert response.get_json()["field"] == "wall-config.data"


def test_wall_has_no_controls(client):
    page = render(client, "", "/wall")
    assert find(page, "wall-unit")["props"]["children"] == "厦门市公安局"
    for kind in ("Dropdown", "RadioItems", "DatePickerRange", "Checklist", "Button", "Input"):
        assert f'"type": "{kind}"' not in text(page)


def test_a_wall_of_units_outside_the_scope_shows_nothing(client):
    page = render(client, "?units=999999", "/wall")
    assert find(page, "wall-empty") is not None
    assert find(page, "wall-empty")["props"]["children"].startswith("没有可查看的单位")
    assert find(page, "wall-screen") is None and find(page, "wall-map") is None
    assert find(page, "wall-tick")["props"]["disabled"] is True  # nothing to rotate
