"""``antifraud bench`` end to end at a tiny scale: every figure present and sane (never timed)."""

from __future__ import annotations

import json
import secrets

import pytest
from sqlalchemy import text

from dashboard.aggregates import rebuild
from dashboard.bench.database import schema_url
from dashboard.bench.interactions import INTERACTIONS
from dashboard.bench.report import table
from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.i18n import translate
from tests.aggregates.test_rebuild import table_rows
from tests.conftest import PG_URL

BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
INGESTED = 1200  # two batches through the API: a full one of 1,000 and a part one


def _timing(figure: dict, runs: int) -> None:
    assert figure["runs"] == runs
    assert 0 < figure["median_ms"] <= figure["p95_ms"]


@pytest.mark.parametrize("db", BACKENDS)
def test_bench_runs_end_to_end_reports_every_figure_and_measures_again_what_it_kept(
        db, kept_place, tmp_path, capsys):
    place, url = kept_place
    out = tmp_path / "bench.json"
    code = main(["bench", "--days", "3", "--daily-warnings", "60", "--runs", "1", *place,
                 "--ingest-warnings", str(INGESTED), "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result["setup"] == {**result["setup"], "scale": "xiamen", "days": 3, "daily_warnings": 60,
                               "growth": 0.0,
                               "backend": "sqlite" if db == "sqlite" else "postgresql", "runs": 1}
    machine = result["setup"]["machine"]  # the machine's own speed, to compare runs across machines
    assert machine["loop"] == 5_000_000 and machine["loop_ms"] > 0 and machine["cores"] >= 1
    gen = result["generation"]
    assert gen["warnings"] > 0 and gen["tables"]["warnings"] == gen["warnings"]
    assert gen["rows"] >= gen["warnings"] and gen["rows_per_second"] > 0

    rows = {row["key"]: row for row in result["interactions"]}
    assert list(rows) == [item.key for item in INTERACTIONS]
    for key, row in rows.items():
        assert row["measured"], f"{key}: {row.get('reason')}"
        _timing(row["server"], 1)
        _timing(row["sql"], 1)
        assert row["statements"] > 0
        slowest = row["slowest_statement"]
        assert slowest["sql"].upper().startswith(("SELECT", "WITH"))
        assert 0 <= slowest["median_ms"] <= row["sql"]["p95_ms"]
        # printed to one decimal: within 0.05 of the quotient (a relative 1 % failed for 4.446 → 4.4)
        assert row["ratio"] == pytest.approx(row["server"]["median_ms"] / row["sql"]["median_ms"], abs=0.051)

    for way in ("api", "file"):
        rate = result["ingest"][way]
        assert rate["warnings"] == INGESTED and rate["seconds"] > 0
        assert rate["per_second"] == pytest.approx(INGESTED / rate["seconds"], rel=0.01)
    memory = result["memory"]
    assert 0 < memory["after_generation_mb"] <= memory["serving_peak_mb"] <= memory["peak_mb"]

    printed = capsys.readouterr().out
    for item in INTERACTIONS:  # the table names every interaction, in the default language
        assert translate(f"bench.interaction.{item.key}", "zh-CN") in printed
    assert "bench." not in printed  # no message id left untranslated
    assert f"{machine['loop_ms']:,.0f}" in printed
    assert "每年增长" not in printed  # the named scale's volume on every day, by default
    grown = {**result, "setup": {**result["setup"], "growth": 0.3}}
    assert "Growing 30% a year up to that volume on the last day" in table(grown, "en")
    _reuse(place, url, gen["warnings"], tmp_path, capsys)


def test_bench_refuses_bad_values_with_one_line(tmp_path, monkeypatch, capsys):
    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    assert main(["bench", "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err
    assert main(["bench", "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
    for growth in ("-1", "nan", "11"):  # a volume that falls to nothing, or no number at all
        assert main(["bench", "--growth", growth]) == 2
        assert "--growth" in capsys.readouterr().err
    assert main(["bench", "--path", str(existing)]) == 2
    assert "--path" in capsys.readouterr().err
    assert main(["bench", "--reuse"]) == 2
    assert "--reuse" in capsys.readouterr().err
    assert main(["bench", "--reuse", "--path", str(tmp_path / "missing.db")]) == 2
    assert "missing.db" in capsys.readouterr().err
    assert main(["bench", "--reuse", "--db", "postgres"]) == 2  # a kept schema is named
    assert "--schema" in capsys.readouterr().err
    assert main(["bench", "--schema", "kept"]) == 2  # a schema is PostgreSQL's
    assert "--schema" in capsys.readouterr().err
    assert main(["bench", "--db", "postgres", "--path", str(tmp_path / "x.db")]) == 2
    assert "--path" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/not-postgres.db")
    assert main(["bench", "--db", "postgres"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL")
def test_a_kept_schema_is_named_plainly_and_new_unless_reused(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    assert main(["bench", "--db", "postgres", "--schema", 'x"; drop table units; --']) == 2
    assert "--schema" in capsys.readouterr().err
    assert main(["bench", "--db", "postgres", "--schema", "public"]) == 2  # exists: never written into
    err = capsys.readouterr().err
    assert "--schema" in err and "public" in err
    assert main(["bench", "--db", "postgres", "--schema", "bench_never_built", "--reuse"]) == 2
    assert "bench_never_built" in capsys.readouterr().err


@pytest.fixture
def kept_place(db, tmp_path, monkeypatch):
    """The bench's arguments for a kept database on ``db``, and the URL to open it afterwards."""
    if db == "sqlite":
        kept = tmp_path / "kept.db"
        yield ["--path", str(kept)], f"sqlite:///{kept}"
        return
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    schema = "bench_kept_" + secrets.token_hex(4)
    yield ["--db", "postgres", "--schema", schema], schema_url(PG_URL, schema)
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _reuse(place: list[str], url: str, generated: int, tmp_path, capsys) -> None:
    """The kept database again: refused without ``--reuse``, measured as it is with it."""
    again = tmp_path / "again.json"
    small = ["--daily-warnings", "40", "--runs", "1", "--ingest-warnings", "50"]
    assert main(["bench", *place, *small, "--json", str(again)]) == 2  # never into what is there
    assert "--reuse" in capsys.readouterr().err
    assert main(["bench", *place, "--reuse", "--days", "99", "--scale", "guangzhou", *small,
                 "--json", str(again)]) == 0
    result = json.loads(again.read_text(encoding="utf-8"))
    gen = result["generation"]
    assert gen["reused"] and gen["seconds"] is None
    # the first run's ingested warnings were taken out again: the file is as generated
    assert gen["warnings"] == gen["tables"]["warnings"] == generated
    # the file's span of days, not --days (just after midnight in Shanghai today may hold no warning yet)
    assert result["setup"]["days"] in (2, 3, 4)
    assert result["setup"]["scale"] == "xiamen"  # the file's own volume names it, not --scale
    assert all(row["measured"] for row in result["interactions"])
    assert translate("bench.reused", "zh-CN").split("：")[0] in capsys.readouterr().out
    engine = make_engine(url)
    with engine.connect() as conn:  # and their part of the aggregates with them
        transaction = conn.begin()
        written = table_rows(conn)
        rebuild(conn)
        assert table_rows(conn) == written
        transaction.rollback()
    engine.dispose()
