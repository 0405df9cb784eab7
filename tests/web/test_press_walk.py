"""The press officer's walk: every route, page, callback and API a press login can knock on.

Press may see de-identified statistics and nothing else: every record-level
page is refused, every callback of a permission press lacks answers 403,
every ingest endpoint ignores the session, and what the statistics page and
API do answer holds aggregates only (no names, no 11-digit numbers, no
record ids, no timestamp of an event).
"""

from __future__ import annotations

import json
import re

import dash
from sqlalchemy import select

from dashboard.domain import Warning
from tests.conftest import SEED_END
from tests.web.dash_requests import ROUTER_OUTPUT, callback_body, find, render_page
from tests.web.test_route_walk import (
    RECORD_LEVEL,
    call,
    declared_callback_permission,
    may,
    sample_urls,
)
from tests.web.test_statistics import QUERY, preview

ROW_CODE = re.compile(r"^(\d{6}|\d{8}|total|[a-z_]+|\d{4}-\d{2}-\d{2}|—)$")


def test_press_is_refused_every_page_and_callback_it_was_not_granted(app, logged_in_client):
    client = logged_in_client("press")
    refused_pages = 0
    for page in dash.page_registry.values():
        path = re.sub(r"<[^>]+>", "1", page.get("path_template") or page["path"])
        denied = find(render_page(client, path), "access-denied") is not None
        assert denied == (not may("press", page["permission"])), path
        refused_pages += denied and page["permission"] in RECORD_LEVEL
    assert refused_pages >= 2
    callbacks = app.extensions["dash"].callback_map
    refused = 0
    for dependency in client.get("/_dash-dependencies").get_json():
        output = dependency["output"]
        if dependency["clientside_function"] is not None or output == ROUTER_OUTPUT:
            continue  # the page router: every page is guarded itself (above)
        action = declared_callback_permission(callbacks[output])
        if not may("press", action):
            response = client.post("/_dash-update-component", json=callback_body(dependency))
            assert response.status_code == 403, output
            refused += 1
    assert refused >= 5


def test_press_reaches_no_api_but_statistics(app, logged_in_client, anonymous_client):
    client = logged_in_client("press")
    seen = set()
    for endpoint, method, url in sample_urls(app, "/_dash-component-suites/x.js"):
        if not url.startswith("/api/"):
            continue
        seen.add(endpoint)
        response = call(client, method, url)
        if endpoint == "stats_api.stats":
            assert response.status_code == 400  # allowed; no query given
        else:
            assert response.status_code == call(anonymous_client, method, url).status_code
            assert response.status_code in (401, 404, 405) or url.endswith("openapi.json")
    assert "api.ingest" in seen and "stats_api.stats" in seen


def test_what_press_receives_is_aggregate_only(app, logged_in_client, seeded_session):
    app.extensions["clock"] = lambda: SEED_END
    client = logged_in_client("press")
    names = {n for n in seeded_session.scalars(select(Warning.person_name).limit(200)) if n}
    page = json.dumps(render_page(client, "/statistics"), ensure_ascii=False)
    answer = json.dumps(preview(client, ["350203", "35020301", "35020302"], start="2026-10-10",
                                end="2026-10-12", figures=["received", "loss", "cases_solved"])
                        .get_json(), ensure_ascii=False)
    api = client.get("/api/v1/stats", query_string=QUERY).get_json()
    body = json.dumps(api, ensure_ascii=False)
    for text in (page, answer, body):
        assert not re.search(r"(?<![\d.])\d{11,}", text)  # chart colour-scale decimals aside
        assert not any(name in text for name in names)
        assert not re.search(r"warning:\d|person_", text)  # record ids, personal fields
    for table in api["tables"]:
        for row in table["rows"]:
            assert ROW_CODE.match(row["id"]), row["id"]
            for cell in row["cells"]:
                if cell["status"] != "published":
                    assert cell["value"] is None
