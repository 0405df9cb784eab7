"""No cell of a CSV or XLSX export can be a spreadsheet formula, whatever the names and headlines say.

The check here is the test's own reading of a cell, not ``dashboard.spreadsheet``'s: a text cell
that begins (after any whitespace) with ``= + - @``, tab, CR, LF or a full-width ``＝ ＋ － ＠``
could be a formula; a cell that is a plain number (a change of -0.12) is a number.  XLSX cells are
read back with openpyxl: no cell has type ``f``, every text cell has type ``s``.
"""

from __future__ import annotations

import copy
import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.cli import build_parser
from dashboard.cli.stats import run_stats
from dashboard.domain import OrgUnit
from dashboard.domain.reference import FraudType
from dashboard.settings import load_settings
from dashboard.spreadsheet import spreadsheet_text
from dashboard.statistics.exports import export_file
from tests.conftest import SEED_END

DANGEROUS = frozenset("=+-@\t\r\n＝＋－＠")
# \x0b and \x01 cannot be in an XLSX: dropped there, what follows must still be neutralised
LEADS = ["", " ", "   ", "\u3000", "\xa0", "\t", "\r\n", "\n ", "\x0b", "\x01"]
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")
OCTOBER = {"unit": "350200,350203", "from": "2026-10-01", "to": "2026-10-31",
           "figure": "received,success_rate,loss_avoided"}
QUERY = {**OCTOBER, "compare": "last_year"}
UNIT_NAMES = ("=HYPERLINK(\"http://evil.example\",\"思明\")", "@SUM(1+1)*cmd|' /C calc'!A0")
FRAUD_NAMES = ("－1+1", "\t+1+1")


def formula_like(cell: str) -> bool:
    return cell[:1] in DANGEROUS or cell.lstrip()[:1] in DANGEROUS


def csv_cells(content: bytes) -> list[str]:
    """Every cell of the CSV, read back with the csv module; fails on a cell that could be a formula."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    bad = [cell for cell in cells if formula_like(cell) and not NUMBER.fullmatch(cell)]
    assert not bad, f"CSV cells that could be formulas: {bad[:5]}"
    return cells


def xlsx_cells(content: bytes) -> list:
    """Every cell value of every sheet; fails on a formula cell or formula-like text."""
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}"
                    assert not formula_like(cell.value), f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                values.append(cell.value)
    return values


def dangerous(mark: str):
    """Text that a spreadsheet would read as a formula, carrying ``mark`` to find it again."""
    return st.builds(lambda lead, start, rest: f"{lead}{start}{mark}{rest}", st.sampled_from(LEADS),
                     st.sampled_from(sorted(DANGEROUS)), st.text(max_size=24))


def with_texts(publication, unit: str, label: str):
    """A copy of ``publication`` whose first unit is called ``unit`` and whose first fraud type and
    first outcome are called ``label``, wherever the tables and the footer show them."""
    changed = copy.deepcopy(publication)
    code = changed.units[0]["code"]
    changed.units[0].update(name_zh=unit, name_en=unit)
    for table in changed.tables:
        for column in table.columns:
            if column.code == code:
                column.label = {"zh-CN": unit, "en": unit}
        for row in table.rows:
            if row.code == code:
                row.label = {"zh-CN": unit, "en": unit}
        if table.code in ("fraud_types", "outcomes"):
            table.rows[0].label = {"zh-CN": label, "en": label}
    return changed


def test_spreadsheet_text_quotes_what_could_be_a_formula_and_nothing_else():
    for text in ["=1+1", "+86 592", "-12%", "@SUM(A1)", "\t=1", "\r=1", "\n", " =1", "\u3000＝1",
                 "＋1", "－1", "＠A", "\xa0-1"]:
        assert spreadsheet_text(text) == "'" + text
    for text in ["", "思明分局", "12.5%", "x", "<5", "—", "'=1", "a=1", "2026-10-01", " a"]:
        assert spreadsheet_text(text) == text
    with pytest.raises(TypeError):
        spreadsheet_text(-0.12)


@pytest.fixture
def october(publish):
    return publish(OCTOBER)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=dangerous("UNITNAME"), headline=dangerous("HEADLINE"), label=dangerous("ROWLABEL"),
       lang=st.sampled_from(["zh-CN", "en"]))
def test_no_cell_of_a_csv_or_xlsx_is_a_formula(october, unit, headline, label, lang):
    publication = with_texts(october, unit, label)
    headlines = f"{headline}\n{label}\n=1+1\nas noted, =2+2 and; @A1"
    for fmt, cells in (("csv", csv_cells), ("xlsx", xlsx_cells)):
        values = cells(export_file(publication, fmt, lang, headlines, browser="/nonexistent").content)
        texts = [v for v in values if isinstance(v, str)]
        for mark in ("UNITNAME", "HEADLINE", "ROWLABEL"):
            assert any(mark in t for t in texts), (fmt, mark)
        assert "'=1+1" in texts


def test_negative_numbers_stay_numbers(october):
    negatives = [v.value for t in october.tables for r in t.rows for v in r.values
                 if v.status == "published" and isinstance(v.value, int | float) and v.value < 0]
    assert negatives, "the seeded October should have a figure that went down"
    cells = csv_cells(export_file(october, "csv", "en", "", browser="/nonexistent").content)
    assert {str(v) for v in negatives} <= set(cells)
    values = xlsx_cells(export_file(october, "xlsx", "en", "", browser="/nonexistent").content)
    assert any(isinstance(v, int | float) and v < 0 for v in values)


@pytest.fixture
def dangerous_names(seeded_engine):
    """The district 350203 and the first fraud type renamed to formulas (committed, then restored)."""
    with Session(seeded_engine) as session, session.begin():
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))
        fraud = session.scalar(select(FraudType).order_by(FraudType.sort_order))
        saved = (unit.name_zh, unit.name_en), (fraud.code, fraud.name_zh, fraud.name_en)
        unit.name_zh, unit.name_en = UNIT_NAMES
        fraud.name_zh, fraud.name_en = FRAUD_NAMES
    try:
        yield
    finally:
        with Session(seeded_engine) as session, session.begin():
            unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "350203"))
            fraud = session.scalar(select(FraudType).where(FraudType.code == saved[1][0]))
            unit.name_zh, unit.name_en = saved[0]
            fraud.name_zh, fraud.name_en = saved[1][1:]


@pytest.fixture
def cli_database(seeded_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_database.url)
    return seeded_database


def assert_names_neutralised(values: list, lang: str) -> None:
    index = 0 if lang == "zh-CN" else 1
    for name in (UNIT_NAMES[index], FRAUD_NAMES[index]):
        assert "'" + name in values


def test_the_api_and_the_cli_export_names_as_text(dangerous_names, app, logged_in_client,
                                                  cli_database, tmp_path):
    app.extensions["clock"] = lambda: SEED_END
    client = logged_in_client("press")
    for fmt, cells in (("csv", csv_cells), ("xlsx", xlsx_cells)):
        for lang in ("zh-CN", "en"):
            answer = client.get("/api/v1/stats", query_string={**QUERY, "format": fmt, "lang": lang})
            assert answer.status_code == 200
            assert_names_neutralised(cells(answer.data), lang)
        out = tmp_path / f"stats.{fmt}"
        parsed = build_parser().parse_args(["stats", "--unit", "350200,350203", "--from", "2026-10-01",
                                            "--to", "2026-10-31", "--format", fmt, "--lang", "en",
                                            "--output", str(out)])
        assert run_stats(parsed, load_settings(), now=SEED_END) == 0
        assert_names_neutralised(cells(out.read_bytes()), "en")
