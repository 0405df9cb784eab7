"""``antifraud bench --db postgres --replica`` end to end at a tiny scale, on a pair of its own.

The bench builds its own primary and asynchronous standby (``dashboard/bench/pg_pair.py``,
free loopback ports, never the machine's server); the test checks that every figure is
there and sane (never its speed), that the reads were served by a server in recovery, and
that the pair's folder is gone afterwards.  Missing PostgreSQL binaries skip it on a
developer's machine and fail it on CI (``CI=true``), as the failover test does.
"""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.bench.interactions import INTERACTIONS
from dashboard.bench.pg_pair import find_binaries
from dashboard.cli import main
from dashboard.i18n import translate
from tests.ha.test_failover import required_binaries

RATE = 100  # warnings a second: a load the busiest test machine keeps up with


def test_replica_bench_reads_from_the_standby_under_ingest_and_removes_its_pair(tmp_path, capsys):
    required_binaries(find_binaries())
    out = tmp_path / "replica.json"
    code = main(["bench", "--db", "postgres", "--replica", "--days", "2", "--daily-warnings", "40",
                 "--runs", "1", "--ingest-rate", str(RATE), "--workers", "1", "--warmup-seconds", "1",
                 "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    setup = result["setup"]["replica"]
    assert setup["synchronous"] is False and setup["workers"] == 1 and setup["kept"] is False
    assert not Path(setup["folder"]).exists()  # the pair is stopped and its folder removed
    assert result["generation"]["warnings"] > 0

    rows = {row["key"]: row for row in result["interactions"]}
    assert list(rows) == [item.key for item in INTERACTIONS]
    assert all(row["measured"] for row in rows.values()), [r.get("reason") for r in rows.values()]
    for key in ("overview_city", "live_poll", "funds", "cases"):  # dashboard reads: the read engine's
        assert 0 < rows[key]["read_statements"] <= rows[key]["statements"]

    replica = result["replica"]
    reads = replica["reads"]
    assert reads["reads_on_standby"] is True
    assert reads["statements_on_standby"] > 0 and reads["read_statements_on_primary"] == 0
    ingest = replica["ingest"]
    assert ingest["target_per_second"] == RATE and ingest["batch"] == RATE // 5
    assert ingest["warnings"] > 0 and ingest["per_second"] > 0
    assert ingest["warnings"] == ingest["batches_taken"] * ingest["batch"]
    assert ingest["failed_batches"] == 0, ingest["failures"]
    lag = replica["lag"]
    assert lag["samples"] >= 1
    assert lag["bytes"]["median"] is not None  # the primary always answers with a byte count
    for unit in ("bytes", "seconds"):
        spread = lag[unit]
        if spread["median"] is not None:  # replay_lag is NULL once the standby has been idle a while
            assert 0 <= spread["median"] <= spread["p95"] <= spread["max"]
    assert replica["vacuum_seconds"] >= 0 and replica["catch_up_seconds"] >= 0

    printed = capsys.readouterr().out
    assert translate("bench.replica.reads_yes", "zh-CN", standby="_", primary="_").split("（")[0] in printed
    assert translate("bench.interaction.overview_city", "zh-CN") in printed
    assert "bench." not in printed  # no message id left untranslated


def test_replica_options_are_refused_with_one_line_naming_the_flag(tmp_path, monkeypatch, capsys):
    assert main(["bench", "--replica"]) == 2  # SQLite has no standby of PostgreSQL's kind
    assert "--db postgres" in capsys.readouterr().err
    for rate in ("0", "-5", "nan"):
        assert main(["bench", "--db", "postgres", "--replica", "--ingest-rate", rate]) == 2
        assert "--ingest-rate" in capsys.readouterr().err
    for flags in (["--ingest-rate", "100"], ["--keep-cluster", str(tmp_path / "pair")]):
        assert main(["bench", "--db", "postgres", *flags]) == 2  # only with --replica
        assert flags[0] in capsys.readouterr().err
    assert main(["bench", "--db", "postgres", "--replica", "--browser"]) == 2
    assert "--browser" in capsys.readouterr().err
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "PG_VERSION").write_text("15\n")
    assert main(["bench", "--db", "postgres", "--replica", "--keep-cluster", str(tmp_path / "used")]) == 2
    assert "--keep-cluster" in capsys.readouterr().err
    monkeypatch.setattr("dashboard.bench.pg_pair.find_binaries", lambda: None)
    assert main(["bench", "--db", "postgres", "--replica"]) == 2
    err = capsys.readouterr().err
    assert "initdb" in err and "PG_BIN" in err and len(err.strip().splitlines()) == 1
