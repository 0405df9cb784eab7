"""Property: the page, the API and the CLI give the same figures for the same request, and the CLI works."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.cli import build_parser, main
from dashboard.cli.stats import run_stats
from dashboard.domain import AuditEntry
from dashboard.settings import load_settings
from tests.conftest import SEED_END
from tests.web.test_statistics import preview

UNITS = ["350200", "350203", "350205", "35020301", "35020302", "35020501", "350206"]
FIGURES = ["received", "closed", "success_rate", "loss_avoided", "cases_solved", "on_time_rate"]


def cli_json(tmp_path, args: list[str]) -> dict:
    out = tmp_path / "out.json"
    parsed = build_parser().parse_args(["stats", *args, "--format", "json", "--output", str(out)])
    assert run_stats(parsed, load_settings(), now=SEED_END) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def cli_database(seeded_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    return seeded_database


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True),
       start=st.dates(date(2025, 6, 1), date(2026, 11, 1)), days=st.integers(0, 20),
       figures=st.lists(st.sampled_from(FIGURES), min_size=1, max_size=3, unique=True))
def test_page_api_and_cli_agree(app, logged_in_client, cli_database, tmp_path, units, start, days,
                                figures):
    app.extensions["clock"] = lambda: SEED_END
    client = logged_in_client("press")
    end = min(start + timedelta(days=days), date(2026, 11, 21))
    page = preview(client, units, start.isoformat(), end.isoformat(), figures).get_json()
    store = page["response"]["statistics-params"]["data"]
    query = {"unit": ",".join(units), "from": start.isoformat(), "to": end.isoformat(),
             "figure": ",".join(figures)}
    api = client.get("/api/v1/stats", query_string=query).get_json()
    cli = cli_json(tmp_path, ["--unit", ",".join(units), "--from", start.isoformat(), "--to",
                              end.isoformat(), *[a for f in figures for a in ("--figure", f)]])
    assert store["digest"] == api["digest"] == cli["digest"]
    assert api["tables"] == cli["tables"]
    assert store["query"] == api["request"] == cli["request"]


def test_cli_writes_csv_and_xlsx_and_is_audited(cli_database, tmp_path, seeded_engine):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"stats.{fmt}"
        parsed = build_parser().parse_args(["stats", "--unit", "350203", "--from", "2026-10-01", "--to",
                                            "2026-10-31", "--format", fmt, "--lang", "en",
                                            "--output", str(out)])
        assert run_stats(parsed, load_settings(), now=SEED_END) == 0
        assert out.stat().st_size > 1000
    assert out.read_bytes()[:2] == b"PK"
    assert (tmp_path / "stats.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with Session(seeded_engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                .order_by(AuditEntry.id.desc())).first()
    assert entry.username.startswith("cli") and json.loads(entry.detail)["channel"] == "cli"


@pytest.mark.parametrize(("args", "message"), [
    (["--unit", "350200", "--from", "2026-10-01", "--to", "2026-10-32"], "--to: is not a date"),
    (["--unit", "nowhere", "--from", "2026-10-01", "--to", "2026-10-31"], "--unit: no unit nowhere"),
    (["--from", "2026-10-01", "--to", "2026-10-31", "--figure", "names"], "--figure: no figure names"),
    (["--from", "2026-10-01", "--to", "2026-10-31", "--format", "xlsx"], "--output: required"),
])
def test_cli_names_the_bad_option(cli_database, capsys, args, message):
    assert main(["stats", *args]) == 2
    assert message in capsys.readouterr().err
