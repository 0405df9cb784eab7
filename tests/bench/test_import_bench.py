"""``antifraud bench --import-rows``: an office export written row by row and imported (never timed)."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.aggregates import rebuild
from dashboard.bench.office_import import chinese_headers, write_office_csv
from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.domain import Warning
from tests.aggregates.test_rebuild import table_rows
from tests.conftest import PG_URL

BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
ROWS = 300


def test_the_file_is_written_as_a_chinese_office_exports_it(tmp_path):
    path = write_office_csv(tmp_path / "w.csv", 3, ["35020301", "35020302"])
    raw = path.read_bytes()
    assert b"\r\n" in raw and raw.decode("gb18030").startswith("来源,")
    with path.open(encoding="gb18030", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    assert header[:3] == [chinese_headers()["source"], chinese_headers()["external_id"], "接警时间"]
    assert header[-1] == "涉案金额（元）" and len(rows) == 3
    first = dict(zip(header, rows[0], strict=True))
    assert "/" in first["接警时间"] and "-" not in first["接警时间"]  # 2026/12/6 14:05
    assert "," in first["涉案金额（元）"] or len(first["涉案金额（元）"].split(".")[0]) <= 3
    assert first["诈骗类型"] and not first["诈骗类型"].isascii()  # a name, not a code


@pytest.mark.parametrize("db", BACKENDS)
def test_import_bench_imports_every_row_and_reports_its_figures(db, tmp_path, monkeypatch, capsys):
    if db == "postgres":
        monkeypatch.setenv("DATABASE_URL", PG_URL)
    out, kept = tmp_path / "bench.json", tmp_path / "bench.db"
    args = ["bench", "--import-rows", str(ROWS), "--db", db, "--json", str(out)]
    if db == "sqlite":
        args += ["--path", str(kept)]
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    figures = result["import"]
    assert figures["rows"] == ROWS and figures["encoding"] == "gb18030"
    assert figures["rows_per_second"] > 0 and figures["cpu_seconds"] > 0 and figures["peak_mb"] > 0
    assert figures["fen_rounded"] > 0  # the amounts had fen
    captured = capsys.readouterr()
    assert "%" in captured.err  # the progress bar, on stderr
    assert f"{ROWS:,}" in captured.out
    if db == "sqlite":  # the kept file holds the imported warnings, with their aggregates
        engine = make_engine(f"sqlite:///{kept}")
        try:
            with Session(engine) as session:
                assert session.scalar(select(func.count()).select_from(Warning).where(
                    Warning.source == "bench")) == ROWS
            with engine.connect() as conn:
                maintained = table_rows(conn)
                rebuild(conn)
                assert table_rows(conn) == maintained
        finally:
            engine.dispose()


def test_import_rows_must_be_positive(capsys):
    assert main(["bench", "--import-rows", "0"]) == 2
    assert "--import-rows" in capsys.readouterr().err
