"""``antifraud loadtest``: a short real run against gunicorn, and its refusals (never timed)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from dashboard.bench.load import KINDS, ROLES, TARGET_KINDS, LoadPlan, Recorder, SimulatedUser
from dashboard.bench.server import free_port
from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.i18n import translate
from dashboard.migrate import upgrade

SHORT = ["--users", "3", "--seconds", "8", "--poll-seconds", "2", "--workers", "2"]
# a refusal comes before any request reaches the database: one backend is enough
SQLITE_ONLY = pytest.mark.parametrize("seeded_database", ["sqlite"], indirect=True)


def test_a_short_run_drives_every_kind_of_request_without_error(seeded_database, tmp_path,
                                                                  monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    out = tmp_path / "load.json"
    assert main(["loadtest", *SHORT, "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))

    assert result["setup"] == {**result["setup"], "users": 3, "seconds": 8, "poll_seconds": 2,
                               "workers": 2}
    assert result["setup"]["url"].startswith("http://127.0.0.1:")
    assert result["database"]["warnings"] > 0
    rows = {row["kind"]: row for row in result["kinds"]}
    assert list(rows) == list(KINDS)
    for kind, row in rows.items():
        assert row["count"] > 0, kind
        assert row["errors"] == 0, (kind, result["errors"][:3])
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    assert rows["login"]["count"] == 2 * 3  # the form and its submission, once per user
    assert rows["page_load"]["count"] == 3 * 3  # shell, layout and callbacks, once per user

    requests = result["requests"]
    assert len(requests) == result["overall"]["count"] == sum(row["count"] for row in rows.values())
    assert result["overall"]["errors"] == 0 and result["errors"] == []
    assert result["overall"]["requests_per_second"] == pytest.approx(
        len(requests) / result["overall"]["seconds"], rel=0.01)
    assert {kind for _, kind, _, _ in requests} == set(KINDS)
    target = result["target"]
    assert target["p95_ms"] == 300 and target["p95_kinds"] == list(TARGET_KINDS)
    assert target["measured_errors"] == 0
    assert target["met"] == (target["measured_p95_ms"] <= 300)

    printed = capsys.readouterr().out
    for kind in (*KINDS, "all"):  # the table names every kind, in the default language
        assert translate(f"loadtest.kind.{kind}", "zh-CN") in printed
    assert translate(f"loadtest.verdict.{'met' if target['met'] else 'missed'}", "zh-CN") in printed
    assert "loadtest." not in printed  # no message id left untranslated
    machine = result["setup"]["machine"]  # the machine's own speed, as the bench prints it
    assert machine["loop"] == 5_000_000 and machine["loop_ms"] > 0 and machine["cores"] >= 1
    assert f"{machine['loop_ms']:,.0f}" in printed


@pytest.mark.parametrize(("args", "named"), [
    (["--users", "0"], "--users"),
    (["--users", "5000"], "--users"),
    (["--minutes", "0"], "--minutes"),
    (["--seconds", "-1"], "--seconds"),
    (["--workers", "0"], "--workers"),
    (["--poll-seconds", "0"], "--poll-seconds"),
    (["--days", "30"], "--scale"),
    (["--scale", "xiamen", "--url", "http://127.0.0.1:8050"], "--url"),
    (["--url", "http://10.1.2.3:8050"], "10.1.2.3"),  # refused before any traffic
])
def test_bad_values_are_refused_naming_the_option(args, named, capsys):
    assert main(["loadtest", *args]) == 2
    error = capsys.readouterr().err
    assert named in error and error.count("\n") == 1


def test_an_unreachable_url_is_a_clear_error(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["loadtest", "--url", url, "--seconds", "5"]) == 2
    error = capsys.readouterr().err
    assert url in error and "/healthz" in error


def test_a_database_without_the_demo_city_says_how_to_seed_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing.db")
    assert main(["loadtest", *SHORT]) == 2
    assert "seed-demo" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()  # looked at, not created

    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    upgrade(empty)
    empty.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    assert main(["loadtest", *SHORT]) == 2
    error = capsys.readouterr().err
    assert "seed-demo" in error and "leader" in error


@SQLITE_ONLY
def test_a_server_that_cannot_start_is_an_error_with_its_last_lines(seeded_database, monkeypatch,
                                                                     capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    monkeypatch.setenv("ANTIFRAUD_ENV", "production")  # refuses to serve without a SECRET_KEY
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["loadtest", *SHORT]) == 2
    error = capsys.readouterr().err
    assert translate("loadtest.error.server", "zh-CN", detail="", log="").split("：")[0] in error
    assert "SECRET_KEY" in error


@SQLITE_ONLY
def test_a_login_the_server_refuses_stops_the_run_with_the_reason(seeded_database, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    monkeypatch.setenv("TOTP_REQUIRED_ROLES", "commander")  # the demo commander has no TOTP
    assert main(["loadtest", *SHORT]) == 2
    error = capsys.readouterr().err
    assert translate("loadtest.login.second_factor", "zh-CN") in error and "commander" in error


def test_a_user_who_arrives_after_the_end_still_drills_and_polls_once(monkeypatch):
    """On a slow server arriving can outlast a short run; the user's first round is still measured."""
    steps = []
    monkeypatch.setattr(SimulatedUser, "arrive", lambda self, session: time.sleep(0.4))
    monkeypatch.setattr(SimulatedUser, "drill", lambda self, session: steps.append("drill"))
    monkeypatch.setattr(SimulatedUser, "poll_view", lambda self, session: steps.append("poll"))
    plan = LoadPlan(homes={name: "C" for name in ROLES}, scopes={}, children={})
    user = SimulatedUser(0, "http://127.0.0.1:9", "password", plan, Recorder(), time.monotonic() + 0.2,
                         0.05, threading.Event(), seed=1)
    user.run()
    assert steps == ["drill", "poll"]
