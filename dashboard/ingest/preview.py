"""What an import would do with a file's first rows, before anything is stored.

``preview_file(engine, path, ...)`` reads the file as the import will
(encoding, delimiter, header mapping, office values) and runs its first rows
through ``ingest_batch`` in a transaction that is rolled back: each row's
status (would be inserted, a duplicate, an update, refused) and its errors
are exactly the import's, and nothing is written (not even a rejected
record, an arrival count or an audit row).

The rows are shown as they will be stored: times in Asia/Shanghai, amounts
in yuan, coded values by name, the station the warning is routed to; the
person's fields masked and free text hidden (``dashboard.domain.payload_masks``),
so the page shows no personal data even to a system administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import SHANGHAI
from dashboard.domain.payload_masks import masked
from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.i18n import name_of
from dashboard.ingest.batch import ingest_batch
from dashboard.ingest.file_import import error_line
from dashboard.ingest.files import (
    SHANGHAI_ZH,
    Column,
    FileFormatError,
    Reading,
    RecordFile,
    field_paths,
)
from dashboard.ingest.headers import IGNORED_FIELD, resolve, saved_maps
from dashboard.ingest.office_values import CODE_LISTS
from dashboard.ingest.schemas import SCHEMAS, parse
from dashboard.ingest.tokens import Sender

PREVIEW_ROWS = 20


@dataclass
class PreviewRow:
    line: int
    status: str  # inserted, duplicate, updated or rejected: what the import would do
    values: dict[str, str]  # field -> the value as it will be stored (masked), by the file's columns
    errors: list[str] = field(default_factory=list)
    station: str | None = None  # the station a warning is routed to


@dataclass
class Preview:
    kind: str
    encoding: str | None
    delimiter: str | None
    columns: list[Column]
    rows: list[PreviewRow]


def _shown(value, path: tuple[str, ...], names: dict[str, dict[str, str]]) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    if len(path) == 1 and path[0] in CODE_LISTS:
        return names.get(CODE_LISTS[path[0]], {}).get(value, str(value))
    shown = masked(value, path)
    return "" if shown is None else str(shown)


def _code_names(session: Session, lang: str) -> dict[str, dict[str, str]]:
    tables = set(CODE_LISTS.values())
    return {m.__tablename__: {row.code: name_of(row, lang) for row in session.scalars(select(m))}
            for m in REFERENCE_MODELS if m.__tablename__ in tables}


def _values(kind: str, raw: dict, columns: list[Column], names) -> dict[str, str]:
    record, _ = parse(kind, raw)
    data = record.model_dump() if record is not None else raw
    values = {}
    for column in columns:
        if not column.path:
            continue
        node = data
        for key in column.path:
            node = node.get(key) if isinstance(node, dict) else None
        values[column.field] = _shown(node, column.path, names)
    return values


def _stations(session: Session, ids: list[int], lang: str) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Warning.id, OrgUnit).join(OrgUnit, OrgUnit.id == Warning.station_id)
                           .where(Warning.id.in_(ids))).all()
    return {warning_id: unit.name(lang) for warning_id, unit in rows}


def preview_file(engine: Engine, path: str | Path, *, kind: str | None = None,
                 source: str | None = None, maps: dict[str, str] | None = None,
                 reading: Reading = SHANGHAI_ZH, within: str | None = None,
                 limit: int = PREVIEW_ROWS) -> Preview:
    """The detection and the first ``limit`` rows of ``path`` as the import would store them.

    The maps saved for ``source`` apply below ``maps``, as in the import.  A file
    that cannot be opened raises ``FileFormatError``, as the import does.
    """
    if source:
        with Session(engine) as session:
            maps = {**saved_maps(session, source), **(maps or {})}
    with RecordFile(path, kind=kind, source=source, maps=maps, reading=reading) as records:
        rows = list(islice(records.rows(), limit))
        preview = Preview(records.kind, records.encoding, records.delimiter, records.columns, [])
    if not rows:
        return preview
    headers = {c.field: c.header for c in preview.columns if c.path}
    with Session(engine) as session:
        try:
            names = _code_names(session, reading.lang)
            refused = {i: row.errors for i, row in enumerate(rows) if row.errors}
            sender = Sender(source) if source else None
            result = ingest_batch(session, preview.kind, [row.record for row in rows], sender=sender,
                                  keep_rejected=False, arrivals=False, refused=refused,
                                  within=within, actor="system:preview")
            ids = [r.id for r in result.results if r.id is not None]
            stations = _stations(session, ids, reading.lang) if preview.kind == "warnings" else {}
            for row, outcome in zip(rows, result.results, strict=True):
                preview.rows.append(PreviewRow(
                    row.line, outcome.status, _values(preview.kind, row.record, preview.columns, names),
                    [error_line(e, reading.lang, row.line, headers) for e in outcome.errors], stations.get(outcome.id)))
        finally:
            session.rollback()
    return preview


def unknown_headers(header: list[str], maps: dict[str, str] | None = None) -> list[str]:
    """The columns of ``header`` that name no field of any kind of record."""
    known = {name for kind in SCHEMAS for name in field_paths(kind)} | {IGNORED_FIELD}
    return [h for h in header if h.strip() and resolve(h, maps or {})[0] not in known]


def header_row(path: str | Path) -> list[str]:
    """The header row of a file as written, whatever its columns map to (empty: none readable)."""
    try:  # any kind, a source given: the header is read before either is checked
        with RecordFile(path, kind=next(iter(SCHEMAS)), source="-") as records:
            return records.header
    except FileFormatError as exc:
        return exc.header or []
