"""Text for spreadsheet cells: no cell of a CSV or XLSX the application writes can be a formula.

Excel, WPS and LibreOffice read a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` as a formula, and so may run it (``=HYPERLINK``, DDE).  Tab,
CR and LF before one (or before any text: a tab or a line break is a new
cell or row to a careless reader), other leading whitespace followed by one,
and the full-width ``＝ ＋ － ＠`` (and small ``﹦ ﹢ ﹣ ﹫``) that a Chinese
input method types and WPS or Excel in a Chinese locale may read the same
way, count too.

``spreadsheet_text`` puts a single quote ``'`` before such text, as OWASP
recommends against CSV injection: the cell is then text, shows the quote,
and the text is otherwise unchanged (a quote is never removed, so the
original is the text without its first character).  Every text cell of
every CSV and XLSX goes through it; ``text_cell`` writes an XLSX cell
explicitly as a string.  Numbers are not text: write them as numbers (a
change of -12% is the number -0.12 and stays one), never through here.
"""

from __future__ import annotations

import re

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠﹦﹢﹣﹫")
QUOTE = "'"
# what XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): dropped from XLSX text, never a 500
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (or as more than one cell)."""
    return text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def spreadsheet_text(value: str) -> str:
    """``value`` as a text cell can hold it: ``'`` before text that could be read as a formula."""
    if not isinstance(value, str):
        raise TypeError(f"spreadsheet_text takes text, not {type(value).__name__} "
                        "(write numbers as numbers)")
    return QUOTE + value if formula_like(value) else value


def text_cell(sheet, row: int, column: int, value: str):
    """The cell at (row, column) of ``sheet`` holding ``value`` as a string (type ``s``)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = spreadsheet_text(_NOT_IN_XML.sub("", value))
    cell.data_type = "s"
    return cell
