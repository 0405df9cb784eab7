"""Fair comparisons on the pages themselves (docs/metrics.md), at the end of the seeded history.

"This year" shows 同比 alone on the overview, the wall and the report pages;
a month shows both; the young November cohort's solving rate and share
returned read "尚不可比"; days of November not yet come are empty, not 0.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEED_END
from tests.web.dash_requests import find, render_page

PAGES = ("/", "/funds", "/cases", "/prevention")


def text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


@pytest.fixture
def leader(app, logged_in_client):
    app.extensions["clock"] = lambda: SEED_END
    return logged_in_client("leader")


def test_this_year_shows_one_comparison_and_a_month_both_on_every_page(leader):
    for path in PAGES:
        year, month = text(render_page(leader, path, "?period=year")), text(render_page(leader, path, "?period=month"))
        assert "同比" in year and "环比" not in year, path
        assert "同比" in month and "环比" in month, path
    wall = text(render_page(leader, "/wall", "?period=year"))
    assert "wall-kpi-received" in wall and "同比" in wall and "环比" not in wall


def test_a_young_cohorts_rates_are_not_yet_comparable_on_the_report_pages(leader):
    for path in ("/cases", "/funds"):  # the solving rate; the share returned
        page = render_page(leader, path, "?period=month")
        assert text(page).count("尚不可比") == 2, path  # its 同比 and its 环比, and nothing else
        old = render_page(leader, path, "?period=custom&from=2026-07-01&to=2026-07-31")
        assert "尚不可比" not in text(old), path


def test_a_running_months_daily_series_has_no_points_for_days_not_yet_come(leader):
    page = render_page(leader, "/cases", "?period=month")
    figure = find(page, "cases-over-time")["props"]["figure"]
    for trace in figure["data"]:
        assert len(trace["x"]) == 30 and trace["x"][21] == "2026-11-22"
        assert all(y is None for y in trace["y"][22:]), trace["name"]  # 23-30 November
        assert all(y is not None for y in trace["y"][:22])
