"""Import a CSV or XLSX file through the same core as the HTTP API.

``import_file(session_scope, path, ...)`` streams the file's rows in batches
of consecutive rows and hands each batch to ``ingest_batch`` exactly as the
API does, so validation, routing, idempotence and aggregates are the same.
Each batch is its own transaction (``session_scope()`` commits it): an
interrupted import keeps the batches already done, and importing the file
again reports them as duplicates.

Rejected rows go to the rejected-records table (batch ``file:<id>``,
position = row number; a row kept open already from an earlier import of
the file is not kept again) and to a report CSV (UTF-8 with BOM, which Excel
opens correctly): one line per error with the row number, external id,
field, column (as the file names it) and reason, in the import's language (``Reading.lang``,
``dashboard.ingest.reasons.row_text``: the row, the column and the expected form), never the
personal data itself; its text cells go through
``dashboard.spreadsheet.spreadsheet_text``, so none can be a formula.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from dashboard.domain.base import SHANGHAI
from dashboard.domain.times import DEFAULT_MAX_FUTURE_MINUTES
from dashboard.ingest.batch import MAX_BATCH, ingest_batch, new_batch_id
from dashboard.ingest.files import (
    SHANGHAI_ZH,
    Column,
    FileFormatError,
    Reading,
    RecordFile,
    Row,
    batches,
)
from dashboard.ingest.headers import save_maps, saved_maps
from dashboard.ingest.reasons import refusal, row_text
from dashboard.ingest.refused_rows import RefusedRows
from dashboard.ingest.rejected import EXTERNAL_ID, identifier
from dashboard.ingest.tokens import Sender
from dashboard.spreadsheet import spreadsheet_text

REPORT_COLUMNS = ("line", "external_id", "field", "column", "reason")
SAMPLE_LINES = 20
SAMPLE_REASONS = 5


@dataclass
class ImportSummary:
    """What an import did; ``rejected_lines`` holds the first few rejected row numbers."""

    path: Path
    kind: str
    batch: str
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0
    fen: int = 0
    saved_maps: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("inserted", "duplicate", "updated", "rejected"), 0))
    rejected_lines: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # the first few, as the report says them
    report_path: Path | None = None
    seconds: float = 0.0
    error: FileFormatError | None = None


def default_report_path(path: Path) -> Path:
    """``warnings.csv`` -> ``warnings.rejected.csv`` beside it."""
    return path.with_name(f"{path.stem}.rejected.csv")


class _Report:
    """The report CSV, opened at the first rejected row (or at once when asked for by name)."""

    def __init__(self, path: Path, eager: bool, lang: str) -> None:
        self.path = path
        self.rows: RefusedRows | None = None  # the refused rows as the file had them, if asked for
        self.lang = lang
        self._fh = None
        self._writer = None
        if eager:
            self._open()

    def _open(self) -> None:
        self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(REPORT_COLUMNS)

    def write(self, line: int, external_id, errors: list[dict], headers: dict[str, str]) -> list[str]:
        """Write the row's errors; their reasons as written."""
        if self._writer is None:
            self._open()
        reasons = []
        for error in errors or [refusal("record", "invalid")]:
            field_name = error.get("field", "")
            column = error.get("column") or headers.get(field_name, field_name)
            reason = error_line(error, self.lang, line, headers)
            reasons.append(reason)
            texts = (external_id or "", field_name, column, reason)
            self._writer.writerow([line, *(spreadsheet_text(str(t)) for t in texts)])
        return reasons

    @property
    def opened(self) -> bool:
        return self._fh is not None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self.rows is not None:
            self.rows.close()


def import_file(session_scope: Callable[[], AbstractContextManager[Session]], path: str | Path, *,
                kind: str | None = None, source: str | None = None, also_sources=(),
                batch_size: int = 1000, report_path: str | Path | None = None,
                actor: str | None = None,
                progress: Callable[[ImportSummary, int, int], None] | None = None,
                max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
                maps: dict[str, str] | None = None, reading: Reading = SHANGHAI_ZH,
                refused_rows: str | Path | None = None, within: str | None = None,
                records_file: RecordFile | None = None) -> ImportSummary:
    """Import every row of ``path``; ``session_scope()`` opens one committed transaction per batch.

    With ``source`` every row must carry it, and follow-ups may name warnings
    of it and of ``also_sources`` only (as an ingest token with those grants);
    without, rows carry any source and follow any warning.

    ``progress(summary, done, size)`` is called after each batch (``done`` and
    ``size`` in bytes for a CSV, rows for a worksheet).  A file that cannot be
    opened raises ``FileFormatError``; a row that cannot be read later stops
    the import with ``summary.error`` set, keeping the batches before it.
    ``maps`` (header key -> field, ``dashboard.ingest.headers.parse_maps``)
    name columns the headers file does not; with ``source`` they are saved
    for its next imports, and those saved before are used; ``reading`` gives the zone of
    times without one and the language of the cells' errors.  ``refused_rows``:
    also write the refused rows as the file had them, with a reason column, to
    this XLSX (``dashboard.ingest.refused_rows``).  ``within``: the path of the
    unit whose stations the rows may name (``ingest_batch``).  ``progress`` may
    raise to stop the import between batches (the batches done stay).
    """
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be 1 to {MAX_BATCH}")
    started = time.perf_counter()
    path = Path(path)
    report_file = Path(report_path) if report_path else default_report_path(path)
    if report_file.exists() and path.exists() and report_file.samefile(path):
        raise FileFormatError("report_is_input", path=str(path))
    sender = Sender(source, frozenset(also_sources)) if source else None
    saved: dict[str, str] = {}
    if source:
        with session_scope() as session:
            saved = saved_maps(session, source)
    with records_file or RecordFile(path, kind=kind, source=source,
                                    maps={**saved, **(maps or {})}, reading=reading) as records:
        summary = ImportSummary(path, records.kind, f"file:{new_batch_id()}",
                                encoding=records.encoding, delimiter=records.delimiter)
        summary.saved_maps = sorted(f"{h}={f}" for h, f in saved.items() if h not in (maps or {}))
        if source and maps:
            with session_scope() as session:
                save_maps(session, source, maps, datetime.now(SHANGHAI).replace(microsecond=0),
                          actor=actor)
        headers = _headers(records.columns)
        report = _Report(report_file, eager=report_path is not None, lang=reading.lang)
        if refused_rows is not None:
            report.rows = RefusedRows(refused_rows, records.header, reading.lang)
        try:
            for run in batches(records.rows(), batch_size):
                _import_run(session_scope, run, summary, report, sender, actor,
                            max_future_minutes, headers, within)
                if progress:
                    progress(summary, records.done, records.size)
        except (csv.Error, UnicodeDecodeError) as exc:
            summary.error = FileFormatError("bad_row", path=str(path), detail=str(exc),
                                            line=records.last_row + 1)
        finally:
            report.close()
    summary.report_path = report.path if report.opened else None
    summary.seconds = time.perf_counter() - started
    return summary


def error_line(error: dict, lang: str, line: int, headers: dict[str, str]) -> str:
    """One error of row ``line`` in ``lang``, naming the row and the column as the file names it."""
    field_name = error.get("field", "")
    column = error.get("column") or headers.get(field_name, field_name)
    return row_text(error, lang, line, column, headers)


def _headers(columns: list[Column]) -> dict[str, str]:
    """field path -> the column as the file names it (for the report), with the paths of person."""
    headers = {c.field: c.header for c in columns if c.path}
    for c in columns:
        if c.path and len(c.path) == 2:
            headers.setdefault(c.path[0], c.header)
    return headers


def _import_run(session_scope, run: list[Row], summary: ImportSummary, report: _Report,
                sender: Sender | None, actor: str | None, max_future_minutes: int,
                headers: dict[str, str], within: str | None = None) -> None:
    refused = {i: row.errors for i, row in enumerate(run) if row.errors}
    with session_scope() as session:
        result = ingest_batch(session, summary.kind, [row.record for row in run], sender=sender,
                              actor=actor, batch=summary.batch, first_position=run[0].line,
                              max_future_minutes=max_future_minutes, refused=refused, once=True,
                              within=within)
    summary.rows += len(run)
    summary.fen += sum(row.fen for i, row in enumerate(run)
                       if result.results[i].status != "rejected")
    for status, count in result.counts.items():
        summary.counts[status] = summary.counts.get(status, 0) + count
    for outcome in result.results:
        if outcome.status != "rejected":
            continue
        row = run[outcome.index]
        if len(summary.rejected_lines) < SAMPLE_LINES:
            summary.rejected_lines.append(row.line)
        reasons = report.write(row.line, identifier(row.record.get("external_id"), EXTERNAL_ID),
                               outcome.errors, headers)
        summary.reasons.extend(reasons[:SAMPLE_REASONS - len(summary.reasons)])
        if report.rows is not None:
            report.rows.write(row.cells, reasons)
