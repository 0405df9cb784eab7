"""Read ingest records from CSV and XLSX files, one row at a time.

The header row names the API's fields; nested fields are flattened with an
underscore or a dot (``person_phone`` or ``person.phone``).  Empty cells are
left out, every value is text (numbers from a spreadsheet lose a trailing
``.0``), so the API's validation sees what a JSON client would send.
Spreadsheet date cells carry no time zone: they are read as Asia/Shanghai,
the bureau's zone; text cells must name their zone as in the API.

CSV encoding: UTF-8 with or without BOM, else GB18030 (which Chinese office
software writes); UTF-16 with a BOM is read as well.  The file is scanned
once in blocks to decide, then streamed: nothing holds the whole file.

Rows are numbered as a spreadsheet shows them: the header is row 1.  For a
CSV that is the line number unless a quoted field holds a line break.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from pydantic import BaseModel

from dashboard.domain.base import SHANGHAI
from dashboard.ingest.schemas import SCHEMAS

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SCAN_BLOCK = 1 << 20


class FileFormatError(ValueError):
    """The file cannot be imported at all; ``reason`` is a message id suffix, ``params`` its values."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Row:
    """One record of the file: its row number and the record as the API would receive it."""

    line: int
    record: dict


def detect_encoding(path: str | Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (BOM or not), else ``gb18030``."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for block in iter(lambda: fh.read(SCAN_BLOCK), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def field_paths(kind: str) -> dict[str, tuple[str, ...]]:
    """Every header a file of ``kind`` may use, and where its value goes in the record."""
    paths: dict[str, tuple[str, ...]] = {}
    for name, info in SCHEMAS[kind].model_fields.items():
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            for sub in nested.model_fields:
                paths[f"{name}_{sub}"] = paths[f"{name}.{sub}"] = (name, sub)
        else:
            paths[name] = (name,)
    return paths


def required_fields(kind: str) -> set[str]:
    return {name for name, info in SCHEMAS[kind].model_fields.items() if info.is_required()}


def guess_kind(header: list[str]) -> str | None:
    """The one kind whose required fields the header holds (``source`` may come from --source)."""
    names = {h.strip().lower() for h in header}
    fits = [k for k in SCHEMAS if required_fields(k) - {"source"} <= names]
    return fits[0] if len(fits) == 1 else None


def header_mapping(kind: str, header: list[str], *, source_given: bool) -> list[tuple[str, ...] | None]:
    """The record path of each column; unknown, repeated or missing columns are a FileFormatError."""
    paths = field_paths(kind)
    names = [h.strip().lower() for h in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n and n not in paths]
    if unknown:
        raise FileFormatError("unknown_columns", columns=", ".join(unknown),
                              known=", ".join(p for p in paths if "." not in p))
    mapped = [paths[n] if n else None for n in names]
    seen = [m for m in mapped if m]
    repeated = sorted({".".join(m) for m in seen if seen.count(m) > 1})
    if repeated:
        raise FileFormatError("repeated_columns", columns=", ".join(repeated))
    missing = required_fields(kind) - {m[0] for m in seen} - ({"source"} if source_given else set())
    if missing:
        raise FileFormatError("missing_columns", columns=", ".join(sorted(missing)))
    return mapped


def cell_text(value) -> str | None:
    """A cell as the text a JSON client would send; None for an empty cell."""
    if type(value) is str:  # every cell of a CSV: first, before the worksheet's types
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def build_record(mapping: list[tuple[str, ...] | None], cells, source: str | None) -> dict | None:
    """The nested record of one row; None for a row with no value at all."""
    record: dict = {}
    for path, value in zip(mapping, cells, strict=False):
        text = cell_text(value)
        if path is None or text is None:
            continue
        if len(path) == 1:
            record[path[0]] = text
        else:
            record.setdefault(path[0], {})[path[1]] = text
    if not record:
        return None
    if source is not None:
        record.setdefault("source", source)
    return record


class RecordFile:
    """A CSV or XLSX file of one kind of record: its header, then its rows, streamed.

    ``size`` and ``done`` measure progress in the file's own unit (bytes of a
    CSV, rows of a worksheet); ``encoding`` is what a CSV was read as;
    ``last_row`` the number of the last row read.
    """

    def __init__(self, path: str | Path, kind: str | None = None, source: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileFormatError("not_found", path=str(self.path))
        suffix = self.path.suffix.lower()
        if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
            raise FileFormatError("unknown_format", path=str(self.path))
        self.source = source
        self.encoding: str | None = None
        self._raw = None
        self._workbook = None
        self.last_row = 0  # the last row read, for messages about a row that cannot be read
        if suffix in CSV_SUFFIXES:
            self.size = os.path.getsize(self.path)
            self._rows = self._csv_rows()
        else:
            self._rows = self._xlsx_rows()
        try:
            first = next(self._rows, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            self.close()
            raise FileFormatError("unreadable", path=str(self.path), detail=str(exc)) from None
        if first is None or not any(cell_text(c) for c in first[1]):
            self.close()
            raise FileFormatError("no_header", path=str(self.path))
        self.header = [cell_text(c) or "" for c in first[1]]
        self.kind = kind or guess_kind(self.header)
        if self.kind is None:
            self.close()
            raise FileFormatError("unknown_kind", path=str(self.path))
        try:
            self.mapping = header_mapping(self.kind, self.header, source_given=source is not None)
        except FileFormatError:
            self.close()
            raise

    @property
    def done(self) -> int:
        if self._raw is None:
            return self.last_row
        return self.size if self._raw.closed else self._raw.tell()

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        self.encoding = detect_encoding(self.path)
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed with the text wrapper below
        text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        try:
            sample = text.readline()
            dialect = "excel-tab" if sample.count("\t") > sample.count(",") else "excel"
            rows = csv.reader(_chain_first(sample, text), dialect=dialect)
            for number, cells in enumerate(rows, start=1):
                self.last_row = number
                yield number, cells
        finally:
            text.close()

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        import openpyxl

        try:
            self._workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile / XML errors of a damaged or mislabelled file
            raise FileFormatError("unreadable", path=str(self.path), detail=str(exc)) from None
        sheet = self._workbook.worksheets[0]
        self.size = sheet.max_row or 0
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                self.last_row = number
                yield number, list(cells)
        finally:
            self._workbook.close()

    def rows(self) -> Iterator[Row]:
        """The records after the header, with their row numbers; empty rows are skipped."""
        for number, cells in self._rows:
            record = build_record(self.mapping, cells, self.source)
            if record is not None:
                yield Row(number, record)

    def close(self) -> None:
        self._rows.close()
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _chain_first(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    """Runs of at most ``size`` rows with consecutive row numbers.

    A gap (a skipped empty row) starts a new run, so the rows of a batch are
    ``first.line + index``: the position the rejected-records table keeps.
    """
    run: list[Row] = []
    for row in rows:
        if run and (len(run) >= size or row.line != run[-1].line + 1):
            yield run
            run = []
        run.append(row)
    if run:
        yield run
