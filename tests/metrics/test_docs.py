"""docs/metrics.md lists every KPI, so that a press officer can quote its formula."""

import re
from pathlib import Path

from dashboard.metrics.kpis import KPIS

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_every_kpi_is_documented():
    section = DOC.read_text(encoding="utf-8").split("## The figures")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.M))
    assert documented == {k.key for k in KPIS}
