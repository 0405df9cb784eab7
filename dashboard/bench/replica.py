"""The load beside the measured interactions of ``antifraud bench --replica``, and what it reports.

- ``IngestLoad``: a child process (not a thread of the bench: the GIL would
  lengthen the interactions it is measured beside) posting batches of made-up
  warnings to ``POST /api/v1/warnings`` of a gunicorn server on the primary,
  paced at a rate: batch *k* is due at ``k × batch / rate`` seconds, sent as
  soon as it is due and one of ``senders`` HTTP sessions is free (a batch
  waits while all are busy, so a server that cannot keep up shows as a lower
  achieved rate, not as an error).  Each batch's end time and count come
  back, so the rate is known over any window.
- ``LagSampler``: another child process reading the primary's
  ``pg_stat_replication`` once a second: the bytes of WAL the standby has not
  replayed (``pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)``) and
  ``replay_lag``.
- ``ReadsWatch``: which database the interactions' statements ran on; each
  connection of the read engine asks ``pg_is_in_recovery()`` once when it is
  opened, so "the reads went to the standby" is the server's own answer.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import statistics
import threading
import time

from sqlalchemy import event

from dashboard.bench.ingest import BATCH, RecordMaker
from dashboard.db import make_engine

SPAWN = multiprocessing.get_context("spawn")
ANSWER_WAIT = 120.0  # seconds for the batches in flight to be answered once the load is told to stop
RESULT_WAIT = ANSWER_WAIT + 60.0  # seconds for a child's figures once told to stop


def batch_size(rate: float) -> int:
    """Warnings a batch: the ingest bench's 1,000, fewer at a low rate (five batches a second)."""
    return max(1, min(BATCH, int(rate // 5)))


def _post_paced(url: str, token: str, database_url: str, rate: float, senders: int, stop, out) -> None:
    """The ingest child's work (see ``IngestLoad``); puts one dict on ``out``."""
    import requests

    engine = make_engine(database_url)
    try:
        maker = RecordMaker(engine, seed=7)
    finally:
        engine.dispose()
    size = batch_size(rate)
    free = threading.Semaphore(senders)
    lock = threading.Lock()
    done: list[tuple[float, int, float]] = []  # (wall time at the answer, warnings taken, seconds)
    failures: list[str] = []

    def send(body: list[dict]) -> None:
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy of the environment
        try:
            started = time.perf_counter()
            answer = session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120)
            seconds = time.perf_counter() - started
            taken = (answer.json() or {}).get("inserted") if answer.status_code == 200 else None
            with lock:
                if taken == len(body):
                    done.append((time.time(), taken, seconds))
                else:
                    failures.append(f"HTTP {answer.status_code} {answer.text[:200]}")
        except (requests.RequestException, ValueError) as error:
            with lock:
                failures.append(repr(error)[:200])
        finally:
            session.close()
            free.release()

    threads: list[threading.Thread] = []
    started, sent = time.monotonic(), 0
    begun = time.time()
    while not stop.is_set():
        due = started + sent * size / rate
        if time.monotonic() < due:
            stop.wait(min(due - time.monotonic(), 0.5))
            continue
        if not free.acquire(timeout=0.5):
            continue
        body = [maker.record() for _ in range(size)]  # made here, in this process's time
        thread = threading.Thread(target=send, args=(body,), daemon=True)
        thread.start()
        threads = [t for t in threads if t.is_alive()] + [thread]
        sent += 1
    deadline = time.monotonic() + ANSWER_WAIT  # the batches in flight get their answers, within reason
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    with lock:
        done, failures = list(done), list(failures)
    out.put({"batch": size, "senders": senders, "began": begun, "ended": time.time(), "sent": sent,
             "done": done, "failures": failures})


def _sample_lag(port: int, stop, out) -> None:
    """The sampler child's work (see ``LagSampler``): puts one list of samples on ``out``."""
    import psycopg

    samples, conn = [], None
    while True:
        try:  # a sample missed (a slow or busy primary) is a sample fewer, not the end of the bench
            if conn is None:
                conn = psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                                       autocommit=True, connect_timeout=5)
            row = conn.execute(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), "
                "extract(epoch FROM replay_lag) FROM pg_stat_replication LIMIT 1").fetchone()
            if row is not None:
                samples.append({"at": time.time(), "bytes": None if row[0] is None else float(row[0]),
                                "seconds": None if row[1] is None else float(row[1])})
        except psycopg.Error:
            if conn is not None:
                conn.close()
            conn = None
        if stop.wait(1.0):
            break
    if conn is not None:
        conn.close()
    out.put(samples)


class _Child:
    """A spawned process running ``target(*args, stop, out)``; ``finish()`` stops it and returns its figures."""

    def __init__(self, target, *args) -> None:
        self.stop, self.out = SPAWN.Event(), SPAWN.Queue()
        self.process = SPAWN.Process(target=target, args=(*args, self.stop, self.out), daemon=True)

    def start(self):
        self.process.start()
        return self

    def finish(self):
        self.stop.set()
        try:
            figures = self.out.get(timeout=RESULT_WAIT)
        except queue.Empty:
            figures = None
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()  # the process this object started
            self.process.join(timeout=10)
        if figures is None:
            raise RuntimeError(f"{self.process.name} returned no figures (exit code {self.process.exitcode})")
        return figures


class IngestLoad(_Child):
    def __init__(self, base_url: str, token: str, database_url: str, rate: float, senders: int) -> None:
        super().__init__(_post_paced, f"{base_url}/api/v1/warnings", token, database_url, rate, senders)


class LagSampler(_Child):
    def __init__(self, primary_port: int) -> None:
        super().__init__(_sample_lag, primary_port)


def _spread(values: list[float], digits: int) -> dict:
    if not values:
        return {"median": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]  # nearest rank
    return {"median": round(statistics.median(ordered), digits), "p95": round(p95, digits),
            "max": round(ordered[-1], digits)}


def lag_figures(samples: list[dict]) -> dict:
    """Median / p95 / max of the lag in bytes and in seconds (``replay_lag`` is NULL when idle)."""
    return {"samples": len(samples),
            "bytes": _spread([s["bytes"] for s in samples if s["bytes"] is not None], 0),
            "seconds": _spread([s["seconds"] for s in samples if s["seconds"] is not None], 3)}


def ingest_figures(load: dict, rate: float, window: tuple[float, float]) -> dict:
    """The achieved rate over the whole load and over ``window`` (wall times: the interactions)."""
    taken = sum(count for _at, count, _s in load["done"])
    seconds = load["ended"] - load["began"]
    inside = sum(count for at, count, _s in load["done"] if window[0] <= at <= window[1])
    window_seconds = window[1] - window[0]
    latency = _spread([s * 1000 for _at, _count, s in load["done"]], 1)
    return {"target_per_second": rate, "batch": load["batch"], "senders": load["senders"],
            "batches_sent": load["sent"], "batches_taken": len(load["done"]),
            "failed_batches": len(load["failures"]), "failures": load["failures"][:3],
            "warnings": taken, "seconds": round(seconds, 3),
            "per_second": round(taken / seconds, 1) if seconds > 0 else None,
            "during_interactions_per_second": round(inside / window_seconds, 1) if window_seconds > 0 else None,
            "batch_ms": {"median": latency["median"], "p95": latency["p95"], "max": latency["max"]}}


class ReadsWatch:
    """Counts the SELECTs each engine of the app sends while ``on``, and whether every connection of
    the read engine was on a server in recovery (a standby)."""

    def __init__(self, database) -> None:
        self.primary, self.read = database.engine, database.read_engine
        self.on, self.counts = False, {"primary": 0, "standby": 0, "read_on_primary": 0}
        event.listen(self.read, "connect", self._opened)
        self.read.dispose()  # every read connection from now on is opened, and asked, anew
        for engine in {self.primary, self.read}:
            event.listen(engine, "before_cursor_execute", self._seen)

    @staticmethod
    def _opened(dbapi_connection, record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            record.info["in_recovery"] = bool(cursor.fetchone()[0])
        dbapi_connection.rollback()

    def _seen(self, conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not self.on or statement.lstrip()[:6].upper() not in ("SELECT", "WITH S"):
            return
        if conn.engine is self.read and self.read is not self.primary:
            self.counts["standby" if conn.connection.info.get("in_recovery") else "read_on_primary"] += 1
        else:
            self.counts["primary"] += 1

    def figures(self) -> dict:
        on_standby = self.counts["standby"] > 0 and self.counts["read_on_primary"] == 0
        return {"statements_on_standby": self.counts["standby"],
                "read_statements_on_primary": self.counts["read_on_primary"],
                "statements_on_primary": self.counts["primary"], "reads_on_standby": on_standby}

    def close(self) -> None:
        event.remove(self.read, "connect", self._opened)
        for engine in {self.primary, self.read}:
            event.remove(engine, "before_cursor_execute", self._seen)
