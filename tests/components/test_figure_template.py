"""The cut plotly template: plotly's look for what we draw, without the rest."""

import gc
import json

import pandas as pd
import plotly.io as pio

from dashboard.components.charts import trend_figure
from dashboard.components.figure_template import LAYOUT_KEYS, NAME, TRACE_TYPES
from dashboard.web.heap import settle


def _trend():
    days = pd.date_range("2026-11-01", periods=3)
    return trend_figure(pd.DataFrame({"day": days, "value": [1, 2, 3], "last_year": [2, 2, 2]}),
                        "预警", "count", "zh-CN")


def test_figures_carry_the_cut_template_with_plotlys_own_settings():
    assert pio.templates.default == NAME
    template = _trend()["layout"]["template"]
    full = pio.templates["plotly"].to_plotly_json()
    assert set(template["layout"]) == set(LAYOUT_KEYS) & set(full["layout"])
    for key in template["layout"]:
        assert template["layout"][key] == full["layout"][key], key
    assert set(template["data"]) == set(TRACE_TYPES) & set(full["data"])
    assert template["data"]["bar"] == full["data"]["bar"]
    assert "scene" not in template["layout"] and "surface" not in template["data"]
    assert len(json.dumps(template)) < len(json.dumps(full)) / 2


def test_settle_freezes_what_is_alive_and_the_collector_still_runs():
    try:
        frozen = settle()
        # what settle reports is what is frozen (less any frozen object freed since, e.g. a temporary)
        assert frozen > 10_000 and frozen - 10 <= gc.get_freeze_count() <= frozen
        garbage = []
        garbage.append(garbage)  # a cycle made after settling is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
