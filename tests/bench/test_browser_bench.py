"""``antifraud bench --browser`` end to end at the tiniest scale: seven journeys timed in Chromium
against gunicorn, every figure a positive number in the table and the JSON (never timed)."""

from __future__ import annotations

import json
import sys

import pytest

from dashboard.bench.browser import JOURNEYS
from dashboard.cli import main
from dashboard.i18n import translate
from tests.browser.conftest import require_chromium
from tests.conftest import PG_URL

# the journeys are the browser's and the server's, the same over either database (the server bench
# and the database tests run both): the end-to-end run is SQLite's, which keeps the suite's time
BACKENDS = ["sqlite"]


def _positive(figure: dict, runs: int) -> None:
    assert figure["runs"] == runs
    assert 0 < figure["median_ms"] <= figure["p95_ms"]


@pytest.mark.browser
@pytest.mark.parametrize("db", BACKENDS)
def test_the_browser_bench_times_every_journey(db, tmp_path, monkeypatch, capsys):
    require_chromium()
    if db == "postgres":
        monkeypatch.setenv("DATABASE_URL", PG_URL)
    out = tmp_path / "browser.json"
    code = main(["bench", "--browser", "--days", "1", "--daily-warnings", "60", "--runs", "1",
                 "--workers", "2", "--db", db, "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))

    assert set(result) == {"setup", "generation", "browser"}
    setup = result["setup"]
    assert setup == {**setup, "days": 1, "daily_warnings": 60, "runs": 1, "workers": 2,
                     "backend": "sqlite" if db == "sqlite" else "postgresql"}
    assert setup["chromium"] and setup["viewport"]["width"] > 0
    machine = setup["machine"]  # the machine's own speed, beside the figures
    assert machine["loop"] == 5_000_000 and machine["loop_ms"] > 0 and machine["cores"] >= 1
    assert result["generation"]["warnings"] > 0

    rows = {row["key"]: row for row in result["browser"]}
    assert list(rows) == list(JOURNEYS) and len(rows) == 7
    for row in rows.values():
        _positive(row, 1)
    leave = rows["leave"]  # its parts, each within the whole
    for part in ("answer", "replaced", "teardown"):
        _positive(leave[part], 1)
        assert leave[part]["median_ms"] <= leave["median_ms"]

    printed = capsys.readouterr().out
    for key in JOURNEYS:  # the table names every journey, in the default language
        assert translate(f"bench.browser.journey.{key}", "zh-CN") in printed
    assert printed.count("中位数") >= 7
    assert f"{machine['loop_ms']:,.0f}" in printed
    assert "bench." not in printed  # no message id left untranslated


def test_the_browser_bench_names_what_is_missing(monkeypatch, capsys):
    monkeypatch.setattr("dashboard.bench.browser.chromium_path", lambda: None)
    assert main(["bench", "--browser"]) == 2
    err = capsys.readouterr().err
    assert "Chromium" in err and "/usr/bin/chromium" in err and "CHROMIUM_PATH" in err

    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails: not installed
    assert main(["bench", "--browser"]) == 2
    err = capsys.readouterr().err
    assert "Playwright" in err and "[bench]" in err


def test_the_browser_bench_refuses_bad_values(capsys):
    assert main(["bench", "--browser", "--import-rows", "10"]) == 2
    err = capsys.readouterr().err
    assert "--browser" in err and "--import-rows" in err
    assert main(["bench", "--browser", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["bench", "--browser", "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
