"""A new view of the overview (a drill, a period change) sends only what changes, and exactly what
the page router would draw for the same address; the unit is read inside the viewer's scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.components.overview import REDRAWN
from dashboard.domain import AuditEntry
from tests.web.test_overview import find, render

OUTPUTS = [*REDRAWN, ("overview-state", "data")]


def redraw(client, search: str, current: dict, routed: str = "?period=month",
           changed: tuple[str, ...] = ("overview-url.search",)):
    """The page's location became ``search``; the router's is ``routed`` (changed too, or not)."""
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
            "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
            "inputs": [{"id": "overview-url", "property": "search", "value": search},
                       {"id": "_pages_location", "property": "search", "value": routed}],
            "state": [{"id": "overview-state", "property": "data", "value": current}],
            "changedPropIds": list(changed)}
    return client.post("/_dash-update-component", json=body)


def test_a_drill_redraws_the_parts_as_the_router_draws_them(client):
    response = redraw(client, "?unit=350203&period=month", {"unit": "350200", "period": "month"})
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    answer = response.get_json()["response"]
    assert set(answer) == {component for component, _ in OUTPUTS}
    assert answer["overview-state"]["data"] == {"unit": "350203", "period": "month"}
    page = render(client, "?unit=350203&period=month")  # the same view, drawn whole
    for component, prop in REDRAWN:
        drawn = find(page, component)
        assert drawn is not None, component
        assert answer[component][prop] == drawn["props"][prop if prop != "children" else "children"], component
    assert find(answer["overview-head"]["children"], "overview-title")["props"]["children"] == "思明分局"
    stations = answer["overview-map"]["figure"]["data"][0]["customdata"]
    assert len(stations) > 3 and all(c[2].startswith("350203") for c in stations)


def test_a_period_change_redraws_the_year(client):
    answer = redraw(client, "?unit=350200&period=year", {"unit": "350200", "period": "month"}).get_json()
    head = answer["response"]["overview-head"]["children"]
    assert find(head, "overview-period")["props"]["value"] == "year"
    assert answer["response"]["overview-state"]["data"] == {"unit": "350200", "period": "year"}


def test_the_view_in_the_page_already_is_not_drawn_twice(client):
    # the address the page was drawn for (the page's location reads it as it appears)
    assert redraw(client, "?unit=350203&period=month", {"unit": "350203", "period": "month"}).status_code == 204
    assert redraw(client, "", {"unit": "350200", "period": "month"}).status_code == 204  # "/": the city


def test_a_view_the_router_draws_as_a_whole_is_not_drawn_here_too(client):
    # a link or the browser's back button: both locations changed, the router draws the page
    both = ("overview-url.search", "_pages_location.search")
    assert redraw(client, "?unit=350203&period=month", {"unit": "350200", "period": "month"},
                  routed="?unit=350203&period=month", changed=both).status_code == 204
    # back to the address the router drew last: its location does not change, so it is drawn here
    answer = redraw(client, "?unit=350203&period=month", {"unit": "350200", "period": "month"},
                    routed="?unit=350203&period=month")
    assert answer.status_code == 200
    assert answer.get_json()["response"]["overview-state"]["data"]["unit"] == "350203"


def test_a_unit_outside_the_scope_redraws_nothing_and_is_audited(logged_in_client, seeded_engine):
    commander = logged_in_client("commander")  # 思明分局 350203
    response = redraw(commander, "?unit=350205&period=month", {"unit": "350203", "period": "month"})
    assert response.status_code == 204 and b"350205" not in response.data
    with Session(seeded_engine) as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")
                                 .order_by(AuditEntry.id.desc())).first()
    assert denied.username == "commander" and denied.object.startswith("unit:")


def test_junk_in_the_address_is_refused_naming_the_input(client):
    response = redraw(client, "?unit=3502\x00", {"unit": "350200", "period": "month"})
    assert response.status_code == 400
    assert response.get_json()["field"] == "overview-url.search"
