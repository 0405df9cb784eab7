"""Export jobs: long exports run in a worker thread while the page polls their progress.

A job is a folder under ``<INSTANCE_PATH>/exports/<job id>/`` holding
``state.json`` (owner, status, percent, step, file name, error) and, when
done, ``result``.  State lives on disk, so a poll answered by another web
process of the same machine still finds it; the work itself runs in the
process that started it (one export at a time per process: images start a
browser).  Only the job's owner may read its state or its file; folders
older than ``KEEP_SECONDS`` are removed when a new job starts.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dashboard.statistics.exports import ExportFile

log = logging.getLogger(__name__)
KEEP_SECONDS = 3600
_JOB_ID = re.compile(r"^[A-Za-z]{24}$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

RUNNING, DONE, FAILED = "running", "done", "failed"


class ExportJobs:
    def __init__(self, folder: Path, workers: int = 1) -> None:
        self.folder = Path(folder)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export")
        self.lock = threading.Lock()

    # --- files ----------------------------------------------------------
    def _dir(self, job_id: str) -> Path | None:
        if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
            return None
        return self.folder / job_id

    def _write(self, job_id: str, **changes) -> None:
        folder = self._dir(job_id)
        with self.lock:
            path = folder / "state.json"
            state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            state.update(changes)
            tmp = folder / "state.tmp"
            tmp.write_text(json.dumps(state), encoding="utf-8")
            tmp.replace(path)

    def _clean(self) -> None:
        if not self.folder.is_dir():
            return
        cutoff = time.time() - KEEP_SECONDS
        for old in self.folder.iterdir():
            if old.is_dir() and _JOB_ID.match(old.name) and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)

    # --- API ------------------------------------------------------------
    def start(self, owner: str, work: Callable[[Callable[[int, str], None]], ExportFile],
              on_done: Callable[[ExportFile], None] | None = None) -> str:
        """Run ``work(progress)`` in the worker; then ``on_done(file)`` (the audit row); a job id."""
        self._clean()
        job_id = "".join(secrets.choice(_ALPHABET) for _ in range(24))
        folder = self.folder / job_id
        folder.mkdir(parents=True)
        self._write(job_id, owner=owner, status=RUNNING, percent=0, step="queued",
                    started=time.time())
        self.pool.submit(self._run, job_id, work, on_done)
        return job_id

    def _run(self, job_id: str, work, on_done) -> None:
        try:
            result = work(lambda percent, step: self._write(job_id, percent=int(percent), step=step))
            if on_done is not None:
                on_done(result)
            (self._dir(job_id) / "result").write_bytes(result.content)
            self._write(job_id, status=DONE, percent=100, step="done", name=result.name,
                        mime=result.mime)
        except Exception as exc:  # the page shows the reason; the log has the trace
            log.exception("export job failed")
            self._write(job_id, status=FAILED, error=str(exc)[:300])

    def state(self, job_id: str, owner: str) -> dict | None:
        """The job's state if ``owner`` started it; None otherwise (as if there were no such job)."""
        folder = self._dir(job_id)
        path = folder / "state.json" if folder else None
        if path is None or not path.exists():
            return None
        state = json.loads(path.read_text(encoding="utf-8"))
        return state if state.get("owner") == owner else None

    def result(self, job_id: str, owner: str) -> ExportFile | None:
        state = self.state(job_id, owner)
        if not state or state.get("status") != DONE:
            return None
        return ExportFile(state["name"], state["mime"], (self._dir(job_id) / "result").read_bytes())

    def wait(self, job_id: str, owner: str, timeout: float = 120.0) -> dict | None:
        """Block until the job ends (tests and the CLI); its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state(job_id, owner)
            if state is None or state["status"] != RUNNING:
                return state
            time.sleep(0.1)
        return self.state(job_id, owner)


def jobs_of(app) -> ExportJobs:
    """The app's job runner (made on first use, exports under ``INSTANCE_PATH``)."""
    runner = app.extensions.get("export_jobs")
    if runner is None:
        runner = ExportJobs(Path(app.config["INSTANCE_PATH"]) / "exports")
        app.extensions["export_jobs"] = runner
    return runner
