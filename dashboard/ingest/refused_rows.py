"""The refused rows of an import as the file had them, with a reason column: an XLSX to correct.

``RefusedRows(path, header, lang)`` streams (openpyxl's write-only mode, so
a million refused rows never sit in memory) one sheet: the file's own header
plus a reason column, then each refused row's cells as read and its reasons
in ``lang``.  Corrected and uploaded again, the same file imports: the reason
column's header is one the import ignores (``dashboard.ingest.headers``), and
the rows already stored the first time are duplicates.

Text cells go through ``dashboard.spreadsheet`` (no cell can be a formula);
the import reads a cell written that way back as it was
(``dashboard.ingest.files.cell_text``).  Dates and numbers stay dates and numbers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from dashboard.i18n import t
from dashboard.spreadsheet import spreadsheet_text

REASON_HEADER = "imports.refused.reason_column"


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=spreadsheet_text(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # a worksheet's times have no zone: as the file had it
    if value is None or isinstance(value, int | float | date | time):
        return WriteOnlyCell(sheet, value=value)
    return _cell(sheet, str(value))


class RefusedRows:
    """The XLSX of refused rows, written as rows are refused and saved by ``close``."""

    def __init__(self, path: str | Path, header: list[str], lang: str) -> None:
        from openpyxl import Workbook

        self.path = Path(path)
        self.count = 0
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet()
        self._width = len(header)
        self._sheet.append([_cell(self._sheet, h) for h in [*header, t(REASON_HEADER, lang)]])

    def write(self, cells, reasons: list[str]) -> None:
        values = list(cells)[: self._width]
        values += [None] * (self._width - len(values))
        self._sheet.append([_cell(self._sheet, v) for v in [*values, "；".join(reasons)]])
        self.count += 1

    def close(self) -> None:
        self._book.save(self.path)
