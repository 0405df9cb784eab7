"""docs/metrics.md lists every KPI, so that a press officer can quote its formula."""

import re
from pathlib import Path

from dashboard.metrics.kpis import KPIS

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_every_kpi_is_documented():
    section = DOC.read_text(encoding="utf-8").split("## The figures")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.M))
    assert documented == {k.key for k in KPIS}


def test_every_maturing_rate_and_its_window_are_documented_under_fair_comparisons():
    from dashboard.metrics.cases import FIGURES as CASE_FIGURES
    from dashboard.metrics.funds import FIGURES as FUNDS_FIGURES
    from dashboard.metrics.kpis import MATURITY_DAYS

    section = DOC.read_text(encoding="utf-8").split("## Fair comparisons")[1].split("\n## ")[0]
    listed = set(re.findall(r"^\| `([a-z0-9_]+)`", section, re.M))
    maturing = {f.key for f in (*KPIS, *CASE_FIGURES, *FUNDS_FIGURES) if f.matures_days}
    assert maturing == listed == {"solving_rate", "funds_returned_share"}
    assert {f.matures_days for f in (*KPIS, *CASE_FIGURES, *FUNDS_FIGURES) if f.matures_days} == {MATURITY_DAYS}
    assert f"**{MATURITY_DAYS} days**" in section
