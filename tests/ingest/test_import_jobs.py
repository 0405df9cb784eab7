"""The web import's background runner: claims once, writes progress, stops when cancelled."""

from __future__ import annotations

import csv
import threading

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.commands import imports
from dashboard.domain import Warning
from dashboard.domain.imports import ImportJob
from dashboard.domain.users import User
from dashboard.jobs import imports as runner
from tests.ingest.conftest import NOW

HEADER = ["external_id", "received_at", "fraud_type", "risk_level", "channel", "station_code"]


def big_file(path, rows: int):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([f"J-{i}", NOW.isoformat(), "investment", "high", "call", "35020301"])
    return path


def queued_job(engine, folder, rows: int) -> int:
    big_file(folder / "upload.csv", rows)
    with Session(engine) as session, session.begin():
        sysadmin = session.scalar(select(User).where(User.username == "sysadmin"))
        job = imports.register_upload(session, sysadmin, file_name="预警.csv", stored_name="upload.csv",
                                      size=1, kind="warnings", source="upstream",
                                      timezone="Asia/Shanghai", language="zh-CN")
        imports.start(session, sysadmin, job.id)
        return job.id


def test_a_job_runs_once_with_progress_and_its_file_is_deleted(staff, tmp_path):
    job_id = queued_job(staff, tmp_path, 1200)
    results = []
    threads = [threading.Thread(target=lambda: results.append(runner.run_import(staff, tmp_path, job_id)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results, key=str) == [None, "done"]  # claimed by one thread only
    with Session(staff) as session:
        job = session.get(ImportJob, job_id)
        assert (job.rows, job.inserted, job.progress_done) == (1200, 1200, job.progress_size)
        assert job.refused_name is None and job.finished_at is not None
    assert not (tmp_path / "upload.csv").exists()


def test_a_cancelled_job_stops_after_its_batch_and_keeps_it(staff, tmp_path, monkeypatch):
    job_id = queued_job(staff, tmp_path, 1200)
    real = runner._progress

    def cancelled_meanwhile(engine, job):
        report = real(engine, job)

        def first(summary, done, size):  # the user pressed "stop" during the first batch
            with Session(engine) as session, session.begin():
                session.execute(update(ImportJob).where(ImportJob.id == job).values(state="cancelling"))
            report(summary, done, size)
        return first

    monkeypatch.setattr(runner, "_progress", cancelled_meanwhile)
    assert runner.run_import(staff, tmp_path, job_id) == "cancelled"
    with Session(staff) as session:
        assert session.get(ImportJob, job_id).rows == 1000
        assert len(session.scalars(select(Warning.id)).all()) == 1000
