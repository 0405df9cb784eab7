"""The anomaly box: the most severe few, "and N more" folded, one order for both kinds of flag."""

from __future__ import annotations

import pandas as pd

from dashboard.components.anomalies import SHOWN, anomaly_items
from dashboard.metrics.anomalies import FLAG_COLUMNS, most_severe_first


def _flag(code: str, kind: str, score: float) -> dict:
    if kind == "volume":
        numbers = {"observed": 30, "expected": 4.0, "change": 7.5}
    else:
        numbers = {"observed": 0.4, "expected": 0.7, "change": -0.3}
    return {"unit_id": int(code[-2:]), "code": code, "name_zh": f"单位{code}", "name_en": f"Unit {code}",
            "level": "station", "kind": kind, **numbers, "score": score}


def _flags(*items) -> pd.DataFrame:
    return pd.DataFrame([_flag(*item) for item in items], columns=FLAG_COLUMNS)


def _codes(component) -> list[str]:
    """The unit codes linked from ``component``, in order."""
    if not hasattr(component, "to_plotly_json"):
        return []
    href = getattr(component, "href", None)
    if isinstance(href, str):
        return [href.removeprefix("/?unit=")]
    children = getattr(component, "children", None)
    return [code for child in (children if isinstance(children, list) else [children])
            for code in _codes(child)]


def _find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_both_kinds_share_one_order_by_how_unlikely_they_are():
    # a z of -6 (p about 1e-9) is more severe than a spike at p 1e-6, less than one at 1e-12
    flags = _flags(("35020301", "volume", 1e-6), ("35020302", "volume", 1e-12), ("35020303", "success", -6.0),
                   ("35020304", "success", -3.2))
    assert list(most_severe_first(flags)["code"]) == ["35020302", "35020303", "35020301", "35020304"]
    assert most_severe_first(_flags()).empty


def test_the_box_lists_the_most_severe_few_and_folds_the_rest():
    flags = _flags(*[(f"350203{i:02d}", "volume", 10.0 ** -(i + 5)) for i in range(7)])
    box = anomaly_items(flags, "en")
    shown = _find(box, "anomalies-shown")
    assert len(shown.children) == SHOWN == 3
    assert _codes(shown) == ["35020306", "35020305", "35020304"]  # the smallest p-values
    more = _find(box, "anomalies-more")
    assert more.children == "and 4 more"
    rest = _find(box, "anomalies-rest")
    assert _codes(rest) == ["35020303", "35020302", "35020301", "35020300"]
    details = next(c for c in box.children if type(c).__name__ == "Details")
    assert details.open is False  # folded until asked for
    assert box.children[0].children[0] == "Anomalies (7)"
    assert _find(anomaly_items(flags, "zh-CN"), "anomalies-more").children == "另有 4 项"


def test_a_few_flags_need_no_fold():
    box = anomaly_items(_flags(("35020301", "volume", 1e-6), ("35020302", "success", -4.0)), "en")
    assert len(_find(box, "anomalies-shown").children) == 2
    assert _find(box, "anomalies-more") is None and _find(box, "anomalies-rest") is None


def test_no_flags_is_one_quiet_line():
    assert type(anomaly_items(_flags(), "en")).__name__ == "Div"
