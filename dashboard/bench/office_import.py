"""A warnings file as a Chinese office exports it, written row by row and imported: rows per second.

``write_office_csv`` writes ``rows`` made-up warnings as Excel or WPS save
them in a Chinese locale: GB18030, CRLF, Chinese headers (the first name of
each field in ``data/reference/import_headers.csv``), times like
``2026/12/6 14:05``, amounts like ``1,234.50`` under 涉案金额（元）, and coded
values by their Chinese names (刷单返利, 高风险).  Each row is written as it
is made: the file is never held whole.  ``import_office_csv`` imports it with
``dashboard.ingest.file_import.import_file`` (the code of ``antifraud
import``), aggregates maintained in each batch's transaction, and reports rows
per second and the process's peak resident memory.
"""

from __future__ import annotations

import csv
import random
import resource
import secrets
import string
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit, reference
from dashboard.domain.base import now_local
from dashboard.domain.reference_files import read_reference_file
from dashboard.ingest.file_import import import_file
from dashboard.ingest.headers import HEADERS_FILE

BATCH = 1000
SOURCE = "bench"
FIELDS = ("source", "external_id", "received_at", "fraud_type", "risk_level", "channel",
          "person_name", "person_phone", "person_id_number", "station_code", "amount_at_risk")
AMOUNT_HEADER = "涉案金额（元）"
NAMES = ("王芳", "李建国", "陈思思", "张伟", "欧阳娜娜", "林美玲")
# received times over the last 30 days, in order, as an export sorted by 接警时间 is
SPREAD_MINUTES = 30 * 24 * 60


def peak_mb() -> float:
    """The process's peak resident memory in MB (``ru_maxrss``: KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def chinese_headers(path: Path = HEADERS_FILE) -> dict[str, str]:
    """field -> the first Chinese header the headers file gives it."""
    first: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            first.setdefault(row["field"].strip(), row["header"].strip())
    return first


def _names(model) -> list[str]:
    return [row["name_zh"] for row in read_reference_file(model)]


def excel_time(moment) -> str:
    """``2026/12/6 14:05``: how Excel and WPS show a time in a Chinese locale."""
    return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"


def write_office_csv(path: str | Path, rows: int, stations: list[str], seed: int = 7,
                     progress: Callable[[int], None] | None = None) -> Path:
    """Write ``rows`` warnings to ``path`` (GB18030, CRLF, Chinese headers), one row at a time."""
    if not stations:
        raise ValueError("stations: the database holds no station to send warnings to")
    rng = random.Random(seed)
    headers = chinese_headers()
    types, risks = _names(reference.FraudType), _names(reference.RiskLevel)
    channels = _names(reference.Channel)
    prefix = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))  # unique per run
    latest = now_local().replace(second=0, microsecond=0) - timedelta(minutes=1)
    earliest = latest - timedelta(minutes=SPREAD_MINUTES)
    path = Path(path)
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, dialect="excel")  # CRLF, as Excel writes
        writer.writerow([AMOUNT_HEADER if f == "amount_at_risk" else headers[f] for f in FIELDS])
        for number in range(1, rows + 1):
            at = earliest + timedelta(minutes=number * SPREAD_MINUTES // rows)  # sorted by time
            fen = rng.randrange(10_000, 50_000_000)
            writer.writerow((SOURCE, f"{prefix}-{number}", excel_time(at), rng.choice(types),
                             rng.choice(risks), rng.choice(channels), rng.choice(NAMES),
                             f"139{rng.randrange(10**8):08d}", "35020319900101123X",
                             rng.choice(stations), f"{fen // 100:,}.{fen % 100:02d}"))
            if progress is not None and number % 100_000 == 0:
                progress(number)
    return path


def station_codes(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(OrgUnit.code).where(OrgUnit.level == "station")
                                    .order_by(OrgUnit.code)))


def import_office_csv(session_scope, path: str | Path, report_path: str | Path,
                      progress=None) -> dict:
    """Import the file with ``import_file``; every row must be inserted.  The figures as a dict."""
    summary = import_file(session_scope, path, batch_size=BATCH, actor="cli:bench",
                          report_path=report_path, progress=progress)
    if summary.error is not None or summary.counts["inserted"] != summary.rows:
        raise RuntimeError(f"import: {summary.counts} {summary.error} (see {report_path})")
    return {"rows": summary.rows, "seconds": round(summary.seconds, 3),
            "rows_per_second": round(summary.rows / summary.seconds, 1) if summary.seconds else None,
            "encoding": summary.encoding, "fen_rounded": summary.fen,
            "bytes": Path(path).stat().st_size}


def timed(step: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started


def cpu_seconds() -> float:
    """User and system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(bench, rows: int, folder: Path, say: Callable[[str, dict], None], progress=None) -> dict:
    """Write the file of ``rows`` into ``folder``, import it into ``bench``'s database; the figures.

    ``say(message id, params)`` tells what is happening; ``progress`` is
    ``import_file``'s (``dashboard.cli.imports.ProgressBar``).
    """
    from dashboard.db import Database

    path = folder / "预警导出.csv"
    say("bench.progress.import_write", {"rows": f"{rows:,}", "path": str(path)})
    _, write_seconds = timed(lambda: write_office_csv(
        path, rows, station_codes(bench.engine),
        progress=lambda done: say("bench.progress.import_written", {"rows": f"{done:,}"})))
    say("bench.progress.import", {"rows": f"{rows:,}"})
    if progress is not None and hasattr(progress, "started"):
        progress.started = time.perf_counter()  # the bar's rate: the import's alone
    database = Database(bench.url)
    cpu_before = cpu_seconds()
    try:
        figures = import_office_csv(database.session, path, folder / "rejected.csv", progress=progress)
    finally:
        database.dispose()
    cpu = cpu_seconds() - cpu_before
    return {**figures, "write_seconds": round(write_seconds, 3), "cpu_seconds": round(cpu, 3),
            "rows_per_cpu_second": round(figures["rows"] / cpu, 1) if cpu else None,
            "peak_mb": peak_mb()}
