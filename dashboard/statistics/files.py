"""Table files of a publication: CSV (UTF-8 with BOM), XLSX and JSON, each with its footer.

Every file says what it is: "de-identified statistics", when it was
generated, for which units, the period and the comparison period, and what
"<5", "x" and "—" mean.

- **CSV**: one tidy table of every published value (table, row, row code,
  column, value, shown as), UTF-8 with a byte-order mark so that Excel and
  WPS open Chinese correctly; the footer and the headline sentences follow
  as ``#`` lines, each a ``#`` cell and a text cell (``pandas.read_csv(...,
  comment="#")`` reads the table back).
- **XLSX**: an "about" sheet (period, units, generation time, threshold,
  headlines), one formatted sheet per table, and a definitions sheet.
- **JSON**: the publication (``Publication.as_dict``) with headlines and footer.

No cell of the CSV or the XLSX can be a formula: every text goes through
``dashboard.spreadsheet`` (a ``'`` before text that begins like one), XLSX
text is written as strings, numbers as numbers.
"""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboard.i18n import translate
from dashboard.metrics.kpis import KPI_BY_KEY
from dashboard.spreadsheet import spreadsheet_text, text_cell
from dashboard.statistics.headlines import period_text
from dashboard.statistics.publication import Publication
from dashboard.statistics.tables import PUBLISHED, Table, display, number_format

BOM = "\ufeff"
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
SUPPRESSED_FONT = Font(color="7F8C8D", italic=True)


def unit_names(publication: Publication, lang: str) -> str:
    field = "name_zh" if lang == "zh-CN" else "name_en"
    return "、".join(u[field] for u in publication.units) if lang == "zh-CN" else \
        ", ".join(u[field] for u in publication.units)


def footer_lines(publication: Publication, lang: str) -> list[str]:
    """The lines every file carries."""
    p, c = publication.period, publication.comparison
    threshold = publication.threshold
    return [
        translate("statistics.footer.deidentified", lang),
        translate("statistics.footer.generated", lang,
                  time=publication.generated_at.strftime("%Y-%m-%d %H:%M:%S (UTC+8)")),
        translate("statistics.footer.units", lang, units=unit_names(publication, lang)),
        translate("statistics.footer.period", lang,
                  period=period_text(p.first_day, p.last_day, p.kind, lang),
                  comparison=period_text(c.first_day, c.last_day, c.kind, lang)),
        translate("statistics.footer.legend", lang, t=threshold, m=threshold - 1),
    ]


def footer_line(publication: Publication, lang: str) -> str:
    """The short footer of a chart or a page."""
    lines = footer_lines(publication, lang)
    return translate("statistics.footer.line", lang, deidentified=lines[0], generated=lines[1],
                     units=lines[2])


def _raw(value):
    if value.status != PUBLISHED or value.value is None:
        return None
    return value.value


def _cell_value(raw):
    """A number stays a number; text (a date) is spreadsheet text."""
    return spreadsheet_text(raw) if isinstance(raw, str) else raw


def tidy_frame(publication: Publication, lang: str) -> pd.DataFrame:
    """Every value of every table, one per line (what the CSV holds)."""
    rows = []
    for table in publication.tables:
        for row in table.rows:
            for column, value in zip(table.columns, row.values, strict=True):
                texts = (table.title[lang], row.label[lang], row.code, column.label[lang])
                rows.append((*map(spreadsheet_text, texts), _cell_value(_raw(value)),
                             spreadsheet_text(display(value, lang, publication.threshold))))
    names = [spreadsheet_text(translate(f"statistics.csv.{n}", lang))
             for n in ("table", "row", "row_code", "column", "value", "shown_as")]
    return pd.DataFrame(rows, columns=names)


def csv_bytes(publication: Publication, lang: str, headlines: str) -> bytes:
    frame = tidy_frame(publication, lang)
    out = io.StringIO()
    out.write(BOM)
    frame.to_csv(out, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    # a "#" cell, then the line as one text cell (quoted when it holds a comma): no comma in a
    # name or a headline starts a cell of its own, and pandas' comment="#" skips the whole line
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for line in [*footer_lines(publication, lang), translate("statistics.file.headlines", lang),
                 *headlines.splitlines()]:
        writer.writerow(["#", spreadsheet_text(" ".join(line.splitlines()))])
    return out.getvalue().encode("utf-8")


def json_bytes(publication: Publication, lang: str, headlines: str) -> bytes:
    body = publication.as_dict(lang)
    body["language"] = lang
    body["headlines"] = [line for line in headlines.splitlines() if line.strip()]
    body["footer"] = footer_lines(publication, lang)
    return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in '[]:*?/\\')[:28] or "sheet"
    base, n = name, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def _footer(ws, publication: Publication, lang: str, start: int) -> None:
    for offset, line in enumerate(footer_lines(publication, lang)):
        text_cell(ws, start + offset, 1, line).font = Font(color="555555", size=9)
    ws.oddFooter.center.text = footer_lines(publication, lang)[0]
    ws.oddFooter.right.text = footer_lines(publication, lang)[1]


def _table_sheet(ws, table: Table, publication: Publication, lang: str) -> None:
    text_cell(ws, 1, 1, table.title[lang]).font = Font(bold=True, size=13)
    header = [table.row_header[lang], *[c.label[lang] for c in table.columns]]
    for col, label in enumerate(header, start=1):
        cell = text_cell(ws, 3, col, label)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=4):
        text_cell(ws, r, 1, row.label[lang]).font = Font(bold=row.total)
        for c, value in enumerate(row.values, start=2):
            raw = _raw(value)
            if raw is None:
                cell = text_cell(ws, r, c, display(value, lang, publication.threshold))
                cell.alignment = Alignment(horizontal="right")
                if value.status != PUBLISHED:
                    cell.font = SUPPRESSED_FONT
                continue
            if value.kind == "points":
                cell = ws.cell(row=r, column=c, value=round(raw * 100, 4))
                cell.number_format = '+0.0 "pp";-0.0 "pp";0.0 "pp"'
            elif isinstance(raw, str):  # a date, as text
                cell = text_cell(ws, r, c, raw)
                cell.number_format = number_format(value.kind)
            else:
                cell = ws.cell(row=r, column=c, value=raw)
                cell.number_format = number_format(value.kind)
            cell.font = Font(bold=row.total)
    ws.column_dimensions["A"].width = 28
    for col in range(2, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16
    ws.row_dimensions[3].height = 45
    ws.freeze_panes = "B4"
    _footer(ws, publication, lang, len(table.rows) + 6)


def _about_sheet(ws, publication: Publication, lang: str, headlines: str) -> None:
    text_cell(ws, 1, 1, translate("statistics.file.title", lang)).font = Font(bold=True, size=14)
    lines = footer_lines(publication, lang)
    for offset, line in enumerate(lines[1:4], start=3):
        text_cell(ws, offset, 1, line)
    text_cell(ws, 6, 1, translate("statistics.file.threshold", lang))
    ws.cell(row=6, column=2, value=publication.threshold)
    text_cell(ws, 8, 1, translate("statistics.file.headlines", lang)).font = Font(bold=True)
    row = 9
    for line in headlines.splitlines():
        text_cell(ws, row, 1, line).alignment = Alignment(wrap_text=False)
        row += 1
    ws.column_dimensions["A"].width = 60
    _footer(ws, publication, lang, row + 1)


def _definitions_sheet(ws, publication: Publication, lang: str) -> None:
    heads = ["figure", "definition", "kind", "rule"]
    for col, name in enumerate(heads, start=1):
        cell = text_cell(ws, 1, col, translate(f"statistics.file.{name}", lang))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    threshold = publication.threshold
    for r, key in enumerate(publication.request.figures, start=2):
        kind = KPI_BY_KEY[key].kind
        values = [translate(f"kpi.{key}", lang), translate(f"kpi.{key}.help", lang),
                  translate(f"statistics.kind.{kind}", lang),
                  translate(f"statistics.rule.{kind}", lang, t=threshold, m=threshold - 1)]
        for col, value in enumerate(values, start=1):
            text_cell(ws, r, col, value).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCD", (24, 70, 14, 40), strict=True):
        ws.column_dimensions[col].width = width
    _footer(ws, publication, lang, len(publication.request.figures) + 4)


def xlsx_bytes(publication: Publication, lang: str, headlines: str) -> bytes:
    book = Workbook()
    used: set[str] = set()
    about = book.active
    about.title = _sheet_name(translate("statistics.file.about", lang), used)
    _about_sheet(about, publication, lang, headlines)
    for table in publication.tables:
        _table_sheet(book.create_sheet(_sheet_name(table.title[lang], used)), table, publication, lang)
    _definitions_sheet(book.create_sheet(_sheet_name(translate("statistics.file.definitions", lang),
                                                     used)), publication, lang)
    book.properties.title = translate("statistics.file.title", lang)
    book.properties.created = publication.generated_at.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
