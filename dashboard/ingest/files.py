"""Read ingest records from CSV and XLSX files, one row at a time.

The header row names the API's fields, in English or Chinese
(``dashboard.ingest.headers``: 接警时间, 派出所编码, ``--map``); nested
fields are flattened with an underscore or a dot (``person_phone`` or
``person.phone``).  Empty cells are left out, every value is text (numbers
from a spreadsheet lose a trailing ``.0``), so the API's validation sees what
a JSON client would send.  Times, amounts and coded values are first read as
office software writes them (``dashboard.ingest.office_values``): a time
without a zone is in the import's zone (Asia/Shanghai unless told
otherwise); a cell that cannot be read makes its row's error, naming the
row, the column as the file names it, the value and an example, in the
user's language.

CSV encoding: UTF-8 with or without BOM, else GB18030 (which Chinese office
software writes, GBK included); UTF-16 with a BOM (Excel's "Unicode text") is
read as well.  The delimiter (comma, tab or semicolon) is the one the header
row holds most of.  The file is scanned once in blocks to decide, then
streamed: nothing holds the whole file.  Legacy ``.xls`` is refused with a
request to save as XLSX.

Rows are numbered as a spreadsheet shows them: the header is row 1.  For a
CSV that is the line number unless a quoted field holds a line break.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time, tzinfo
from pathlib import Path

from pydantic import BaseModel

from dashboard.domain.base import SHANGHAI
from dashboard.i18n import t
from dashboard.ingest.headers import IGNORED_FIELD, resolve
from dashboard.ingest.office_values import (
    CODE_LISTS,
    CellError,
    has_fen,
    office_amount,
    office_code,
    office_time,
)
from dashboard.ingest.reasons import CELL
from dashboard.ingest.schemas import SCHEMAS, Yuan
from dashboard.ingest.times import TIME_FIELDS
from dashboard.spreadsheet import QUOTE, formula_like

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
LEGACY_SUFFIXES = (".xls", ".et")
DELIMITERS = (",", "\t", ";")
SCAN_BLOCK = 1 << 20


class FileFormatError(ValueError):
    """The file cannot be imported at all; ``reason`` is a message id suffix, ``params`` its values."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params
        self.header: list[str] | None = None  # the header row, when it could be read
        self.encoding: str | None = None
        self.delimiter: str | None = None


@dataclass(frozen=True)
class Row:
    """One record of the file: its row number and the record as the API would receive it."""

    line: int
    record: dict
    errors: list[dict] = dataclass_field(default_factory=list)
    fen: int = 0  # amounts with fen, rounded to the yuan when stored
    cells: tuple = ()  # the row's cells as read, for the refused rows' file


@dataclass(frozen=True)
class Column:
    """One column of the file: its header as written, where its value goes, how it is read."""

    header: str
    path: tuple[str, ...] | None
    read: str = "text"  # text, time, amount or code
    multiplier: int = 1

    @property
    def field(self) -> str:
        return ".".join(self.path) if self.path else ""


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


def guess_kind(header: list[str], maps: dict[str, str] | None = None) -> str | None:
    """The one kind whose required fields the header holds (``source`` may come from --source)."""
    names = {resolve(h, maps or {})[0].replace(".", "_") for h in header if h.strip()}
    fits = [k for k in SCHEMAS if required_fields(k) - {"source"} <= names]
    return fits[0] if len(fits) == 1 else None


def _reading(kind: str, path: tuple[str, ...]) -> str:
    schema = SCHEMAS[kind]
    if len(path) == 1 and path[0] in TIME_FIELDS[schema]:
        return "time"
    if len(path) == 1 and path[0] in CODE_LISTS:
        return "code"
    info = schema.model_fields.get(path[0]) if len(path) == 1 else None
    if info is not None and tuple(info.metadata) == Yuan.__metadata__:
        return "amount"
    return "text"


def header_mapping(kind: str, header: list[str], *, source_given: bool,
                   maps: dict[str, str] | None = None) -> list[Column]:
    """Each column of the header; unknown, repeated or missing columns are a FileFormatError."""
    paths = field_paths(kind)
    resolved = [resolve(h, maps or {}) if h.strip() else ("", 1) for h in header]
    resolved = [("", 1) if n == IGNORED_FIELD else (n, m) for n, m in resolved]
    unknown = [h for h, (n, _) in zip(header, resolved, strict=True) if n and n not in paths]
    if unknown:
        raise FileFormatError("unknown_columns", columns=", ".join(unknown),
                              known=", ".join(p for p in paths if "." not in p))
    columns = []
    for h, (name, multiplier) in zip(header, resolved, strict=True):
        path = paths[name] if name else None
        read = _reading(kind, path) if path else "text"
        columns.append(Column(h, path, read, multiplier if read == "amount" else 1))
    seen = [c.path for c in columns if c.path]
    repeated = sorted({".".join(m) for m in seen if seen.count(m) > 1})
    if repeated:
        raise FileFormatError("repeated_columns", columns=", ".join(repeated))
    missing = required_fields(kind) - {m[0] for m in seen} - ({"source"} if source_given else set())
    if missing:
        raise FileFormatError("missing_columns", columns=", ".join(sorted(missing)))
    return columns


def cell_text(value) -> str | None:
    """A cell as the text a JSON client would send; None for an empty cell."""
    if type(value) is str:  # every cell of a CSV: first, before the worksheet's types
        text = value.strip()
        if text[:1] == QUOTE and formula_like(text[1:]):  # as dashboard.spreadsheet wrote it
            text = text[1:]
        return text or None
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


@dataclass(frozen=True)
class Reading:
    """How the values of a file are read: the zone of times without one, the language of errors."""

    zone: tzinfo = SHANGHAI
    lang: str = "zh-CN"


SHANGHAI_ZH = Reading()


def _cell_error(reason: str, line: int, column: Column, value, example: str, lang: str) -> dict:
    """The error of a cell (code ``cell.<reason>``, ``dashboard.ingest.reasons``): the reason in
    the import's language, the parameters to say it in another."""
    shown = value if isinstance(value, str) else cell_text(value) or ""
    params = {"row": line, "column": column.header, "value": shown, "example": example}
    return {"field": column.field, "column": column.header,
            "reason": t(f"import.cell.{reason}", lang, **params), "code": f"{CELL}{reason}",
            "params": params}


def _read_cell(column: Column, value, text: str, date_only: bool, reading: Reading) -> str:
    if column.read == "time":
        return office_time(value if not isinstance(value, str) else text, reading.zone,
                           date_only=date_only)
    if column.read == "amount":
        return office_amount(value if not isinstance(value, str) else text, column.multiplier)
    if column.read == "code":
        return office_code(column.path[0], text)
    return text


def build_row(line: int, columns: list[Column], cells, source: str | None,
              reading: Reading = SHANGHAI_ZH, date_only: frozenset[int] = frozenset()) -> Row | None:
    """The nested record of one row and its cells' errors; None for a row with no value at all."""
    record: dict = {}
    errors: list[dict] = []
    fen = 0
    for index, (column, value) in enumerate(zip(columns, cells, strict=False)):
        if column.path is None:
            continue
        text = value.strip() if type(value) is str else cell_text(value)  # a CSV's cells: str
        if not text:
            continue
        if column.read != "text":
            try:
                text = _read_cell(column, value, text, index in date_only, reading)
            except CellError as exc:  # the cell is kept as written, to be fixed and replayed
                errors.append(_cell_error(exc.reason, line, column, value, exc.example, reading.lang))
            else:
                fen += column.read == "amount" and has_fen(text)
        if len(column.path) == 1:
            record[column.path[0]] = text
        else:
            record.setdefault(column.path[0], {})[column.path[1]] = text
    if not record and not errors:
        return None
    if source is not None:
        record.setdefault("source", source)
    return Row(line, record, errors, fen, tuple(cells))


class RecordFile:
    """A CSV or XLSX file of one kind of record: its header, then its rows, streamed.

    ``size`` and ``done`` measure progress in the file's own unit (bytes of a
    CSV, rows of a worksheet); ``encoding`` is what a CSV was read as;
    ``last_row`` the number of the last row read.
    """

    def __init__(self, path: str | Path, kind: str | None = None, source: str | None = None,
                 maps: dict[str, str] | None = None, reading: Reading = SHANGHAI_ZH) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileFormatError("not_found", path=str(self.path))
        suffix = self.path.suffix.lower()
        if suffix in LEGACY_SUFFIXES:
            raise FileFormatError("legacy_xls", path=str(self.path))
        if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
            raise FileFormatError("unknown_format", path=str(self.path))
        self.source = source
        self.reading = reading
        self.delimiter: str | None = None
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
        self.kind = kind or guess_kind(self.header, maps)
        try:
            if self.kind is None:
                raise FileFormatError("unknown_kind", path=str(self.path))
            self.columns = header_mapping(self.kind, self.header, source_given=source is not None,
                                          maps=maps)
        except FileFormatError as exc:  # the header goes with it, for a page to map the columns
            exc.header, exc.encoding, exc.delimiter = self.header, self.encoding, self.delimiter
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
            self.delimiter = max(DELIMITERS, key=sample.count)
            rows = csv.reader(_chain_first(sample, text), dialect="excel", delimiter=self.delimiter)
            for number, cells in enumerate(rows, start=1):
                self.last_row = number
                yield number, cells, frozenset()
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
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                self.last_row = number
                values = [getattr(c, "value", None) for c in cells]
                yield number, values, frozenset(
                    i for i, (c, v) in enumerate(zip(cells, values, strict=True))
                    if isinstance(v, datetime) and not _shows_time(getattr(c, "number_format", "")))
        finally:
            self._workbook.close()

    def rows(self) -> Iterator[Row]:
        """The records after the header, with their row numbers; empty rows are skipped."""
        for number, cells, date_only in self._rows:
            row = build_row(number, self.columns, cells, self.source, self.reading, date_only)
            if row is not None:
                yield row

    def close(self) -> None:
        self._rows.close()
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _shows_time(number_format: str) -> bool:
    """Whether a spreadsheet date format shows the time (hours), not the date alone."""
    return "h" in re.sub(r'"[^"]*"|\[[^\]]*\]', "", number_format or "").lower()


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
