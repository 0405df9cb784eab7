"""Run the web page's file imports in the background, writing their progress for any worker to show.

``start_import(engine, folder, job_id)`` runs a queued job in a daemon thread
of the process that queued it, so no web worker waits for a million rows.
``run_import`` claims the job (``queued`` -> ``running``, once even if two
threads try), imports the stored file with ``dashboard.ingest.file_import``
(one transaction per batch, the aggregates maintained), and after each batch
writes its progress, its counts and a heartbeat to the job's row.  A job set
to ``cancelling`` stops after its current batch.  At the end the job is
``done`` (or ``failed``, naming why, or ``cancelled``); the uploaded file is
deleted and the refused rows' XLSX kept for its uploader (none when no row
was refused).  A process that dies stops the heartbeat: the page then shows
the job as interrupted, to be run again (rows already stored come back as
duplicates).  Files older than ``KEEP_HOURS`` are deleted when a new
upload arrives (``purge``).

The work logs one line per job under ``dashboard.imports``; a database that
is down fails the job with that reason, never with a traceback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dashboard.auth import audit
from dashboard.commands.imports import within_path
from dashboard.db import DatabaseUnreachable, database_reason
from dashboard.domain.base import now_local
from dashboard.domain.imports import ImportJob
from dashboard.domain.users import User
from dashboard.ingest.file_import import ImportSummary, import_file
from dashboard.ingest.files import FileFormatError, Reading

log = logging.getLogger("dashboard.imports")  # a stable name for log tools (docs/operations.md)
KEEP_HOURS = 24
REFUSED_SUFFIX = ".refused.xlsx"


class ImportCancelled(Exception):
    """The job was cancelled from the page: stop between batches."""


def job_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / "imports"


def _update(engine: Engine, job_id: int, **values) -> str | None:
    """Write ``values`` to the job; its state afterwards."""
    with Session(engine) as session, session.begin():
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
        return session.get(ImportJob, job_id).state


def _claim(engine: Engine, job_id: int) -> bool:
    with Session(engine) as session, session.begin():
        now = now_local()
        claimed = session.execute(update(ImportJob).where(
            ImportJob.id == job_id, ImportJob.state == "queued",
        ).values(state="running", started_at=now, heartbeat_at=now)).rowcount
    return claimed == 1


def _progress(engine: Engine, job_id: int):
    def report(summary: ImportSummary, done: int, size: int) -> None:
        state = _update(engine, job_id, progress_done=done, progress_size=size, rows=summary.rows,
                        heartbeat_at=now_local(), **summary.counts)
        if state == "cancelling":
            raise ImportCancelled
    return report


def _scope(engine: Engine):
    maker = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def scope():
        with maker() as session, session.begin():
            yield session
    return scope


def run_import(engine: Engine, folder: Path, job_id: int) -> str | None:
    """Run job ``job_id`` if it is queued; its final state (None when it was not queued)."""
    if not _claim(engine, job_id):
        return None
    with Session(engine) as session:
        job = session.get(ImportJob, job_id)
        username = session.get(User, job.user_id).username
        within = within_path(session, job)
        path, refused = folder / job.stored_name, folder / f"{job.stored_name}{REFUSED_SUFFIX}"
        maps = json.loads(job.maps) if job.maps else {}
        reading = Reading(zone=ZoneInfo(job.timezone), lang=job.language)
        kind, source = job.kind, job.source
    started = time.perf_counter()
    final: dict = {}
    summary = None
    try:
        summary = import_file(_scope(engine), path, kind=kind, source=source, maps=maps,
                              reading=reading, actor=username, within=within,
                              progress=_progress(engine, job_id), refused_rows=refused,
                              report_path=folder / f"{job.stored_name}.report.csv")
        error = summary.error
        final = {"state": "failed" if error else "done", "encoding": summary.encoding,
                 "delimiter": summary.delimiter, "batch": summary.batch}
        if error:
            final["error"] = json.dumps({"reason": error.reason, "params": error.params})
    except ImportCancelled:
        final = {"state": "cancelled"}
    except FileFormatError as exc:
        final = {"state": "failed", "error": json.dumps({"reason": exc.reason, "params": exc.params})}
    except (SQLAlchemyError, DatabaseUnreachable, OSError) as exc:
        log.warning("import %s failed: %s", job_id, database_reason(exc))
        final = {"state": "failed", "error": json.dumps({"reason": "database",
                                                         "params": {"detail": database_reason(exc)}})}
    return _finish(engine, job_id, username, path, refused, final, started)


def _finish(engine: Engine, job_id: int, username: str, path: Path, refused: Path, final: dict,
            started: float) -> str:
    path.unlink(missing_ok=True)
    path.with_name(f"{path.name}.report.csv").unlink(missing_ok=True)
    with Session(engine) as session, session.begin():
        job = session.get(ImportJob, job_id)
        for key, value in final.items():
            setattr(job, key, value)
        if job.rejected and refused.exists():
            job.refused_name = refused.name
        else:
            refused.unlink(missing_ok=True)
        job.finished_at = now_local()
        audit.record(session, user=username, action=audit.IMPORT_FINISHED, object=f"import:{job_id}",
                     outcome=audit.SUCCESS if job.state == "done" else audit.FAILURE,
                     detail={"state": job.state, "rows": job.rows, **job.counts})
        state = job.state
    log.info("import %s %s in %.1f s", job_id, state, time.perf_counter() - started)
    return state


def start_import(engine: Engine, folder: Path, job_id: int) -> threading.Thread:
    """Run the job in a daemon thread of this process; the thread (tests join it)."""
    def work() -> None:
        try:
            run_import(engine, folder, job_id)
        except Exception:  # the thread must not die silently: the job shows as interrupted
            log.exception("import %s stopped unexpectedly", job_id)
    thread = threading.Thread(target=work, name=f"import-{job_id}", daemon=True)
    thread.start()
    return thread


def purge(folder: Path, keep_hours: float = KEEP_HOURS) -> int:
    """Delete files of the folder older than ``keep_hours``; how many."""
    if not folder.is_dir():
        return 0
    cutoff = time.time() - keep_hours * 3600
    gone = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
