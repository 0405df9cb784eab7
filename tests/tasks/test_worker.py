"""The escalation worker loop, its in-process switch, and the two commands."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from dashboard.cli import main
from dashboard.commands import job_lease as lease
from dashboard.commands.tasks.escalation_pass import LEASE_NAME
from dashboard.db import make_engine
from dashboard.domain.base import now_local
from dashboard.jobs.worker import EscalationWorker, enabled


@pytest.mark.parametrize(("config", "expected"), [
    ({"ANTIFRAUD_ENV": "development"}, True),
    ({"ANTIFRAUD_ENV": "development", "TESTING": True}, False),
    ({"ANTIFRAUD_ENV": "production"}, False),
    ({"ANTIFRAUD_ENV": "production", "ESCALATION_IN_PROCESS": True}, True),
    ({"ANTIFRAUD_ENV": "development", "ESCALATION_IN_PROCESS": False}, False),
])
def test_in_process_by_default_only_in_development(config, expected):
    assert enabled(config) is expected


def issue_overdue(chain, session):
    """A task issued two hours ago whose 30 minutes are long over."""
    task = chain.issue(kind="door_visit", priority="urgent",
                       now=now_local().replace(microsecond=0) - timedelta(hours=2))
    session.commit()
    return task


def test_a_worker_escalates_and_gives_up_its_lease_when_stopped(chain, session, engine):
    task = issue_overdue(chain, session)
    worker = EscalationWorker(engine, interval=1)
    report = worker.run_once()
    assert report.escalated == {"overdue": [task.id]}
    # it keeps the lease between passes: nobody else may run meanwhile
    assert not lease.acquire(engine, LEASE_NAME, "other", timedelta(minutes=1))
    thread = threading.Thread(target=worker.run_forever)
    thread.start()
    worker.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert lease.acquire(engine, LEASE_NAME, "other", timedelta(minutes=1))


def test_the_escalate_command_runs_one_pass(chain, session, engine, monkeypatch, capsys):
    issue_overdue(chain, session)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["escalate"]) == 0
    assert "escalated 1 tasks (overdue: 1)" in capsys.readouterr().out
    assert main(["escalate"]) == 0
    assert "escalated 0 tasks" in capsys.readouterr().out


def test_the_worker_command_refuses_a_silly_interval(monkeypatch, capsys, engine):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert main(["escalation-worker", "--interval", "0"]) == 2
    assert "--interval" in capsys.readouterr().err


def test_the_web_process_runs_one_worker_when_asked(chain, session, engine, tmp_path):
    from dashboard import create_app
    from dashboard.domain import Task
    from dashboard.jobs import worker as worker_module

    task = issue_overdue(chain, session)
    url = engine.url.render_as_string(hide_password=False)
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
              "ESCALATION_IN_PROCESS": True, "ESCALATION_INTERVAL_SECONDS": 1}
    first, second = create_app(config), create_app(config)
    worker = first.extensions["escalation_worker"]
    try:
        assert second.extensions["escalation_worker"] is worker  # one per database and process
        for _ in range(100):
            session.expire_all()
            if session.get(Task, task.id).escalated_for == "overdue":
                break
            threading.Event().wait(0.1)
        assert session.get(Task, task.id).escalated_for == "overdue"
    finally:
        worker.stop()
        worker_module._started.pop(url, None)
    assert "escalation_worker" not in create_app({**config, "ESCALATION_IN_PROCESS": False}).extensions


def test_each_escalation_is_one_line_in_the_log(chain, session, engine, caplog):
    caplog.set_level(logging.INFO, logger="dashboard.escalation")
    task = issue_overdue(chain, session)
    unit = task.target_unit.code
    EscalationWorker(engine, interval=1).run_once()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("dashboard.escalation")]
    assert lines == [f"escalated task {task.id} of unit {unit} (overdue)"]


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/not-a-database.db",
                                 "postgresql+psycopg://antifraud:secret-pw@127.0.0.1:9/antifraud"])
def test_a_database_that_is_down_is_one_line_per_pass_and_the_worker_goes_on(url, tmp_path, caplog):
    (tmp_path / "not-a-database.db").write_bytes(b"this is not a SQLite file " * 200)
    caplog.set_level(logging.INFO, logger="dashboard.escalation")
    worker = EscalationWorker(make_engine(url.format(tmp=tmp_path), connect_timeout=2), interval=7)
    assert worker.run_once() is None and worker.run_once() is None  # no exception: it goes on
    lines = [r for r in caplog.records if r.name.startswith("dashboard.escalation")]
    assert len(lines) == 2
    for line in lines:
        assert line.levelno == logging.WARNING and line.exc_info is None
        message = line.getMessage()
        assert message.startswith("escalation pass failed: the database is unavailable (")
        assert message.endswith("); retrying in 7 s") and "secret-pw" not in message
        assert len(message.splitlines()) == 1
