"""Table files: CSV with BOM that pandas reads back with Chinese intact, XLSX sheets, JSON, footers."""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.statistics.exports import clean_headlines, export_file, sha256_letters
from dashboard.statistics.files import tidy_frame
from dashboard.statistics.headlines import headline_text
from dashboard.statistics.request import RequestError

OCTOBER = {"unit": "350200,350203", "from": "2026-10-01", "to": "2026-10-31",
           "figure": "received,success_rate,loss_avoided"}
# a district and three of its stations over one week: small cells, "<5" and "x"
SMALL = {"unit": "350203,35020301,35020302,35020303", "from": "2026-10-05", "to": "2026-10-11",
         "figure": "received,cases_solved,loss"}


def make(publication, fmt, lang="zh-CN"):
    return export_file(publication, fmt, lang, headline_text(publication, lang), browser="/nonexistent")


def test_csv_starts_with_a_bom_and_reads_back_with_chinese_intact(publish):
    publication = publish(OCTOBER)
    content = make(publication, "csv").content
    assert content.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", comment="#", dtype=str,
                       keep_default_na=False)
    expected = tidy_frame(publication, "zh-CN")
    expected["数值"] = ["" if v is None else str(v) for v in expected["数值"]]
    pd.testing.assert_frame_equal(back, expected.astype(str))
    assert "厦门市公安局" in set(back["行"]) and "主要指标" in set(back["表"])
    text = content.decode("utf-8-sig")
    assert "#,去标识化统计数据 · de-identified statistics" in text
    assert "#,生成时间：2026-11-22 10:00:00" in text and "#,单位：厦门市公安局、思明分局" in text
    assert '#,"2026年10月，厦门市公安局预警量3,582' in text  # the headlines ride along, one cell


def test_csv_shows_small_and_withheld_cells_and_never_their_numbers(publish):
    publication = publish(SMALL)
    back = pd.read_csv(io.BytesIO(make(publication, "csv", "en").content), encoding="utf-8-sig",
                       comment="#", dtype=str, keep_default_na=False)
    shown = set(back["shown_as"])
    assert "<5" in shown and "x" in shown
    assert (back.loc[back["shown_as"].isin(["<5", "x"]), "value"] == "").all()


def test_xlsx_has_the_expected_sheets_numbers_and_footer(publish):
    publication = publish(SMALL)
    book = load_workbook(io.BytesIO(make(publication, "xlsx").content))
    assert book.sheetnames == ["说明", "主要指标", "按诈骗类型分的预警量（本期）", "按处置结果分的办结量（本期）",
                               "预警量逐日走势", "指标定义"]
    sheet = book["主要指标"]
    table = publication.table("figures")
    assert sheet["A1"].value == "主要指标"
    assert [sheet.cell(row=3, column=c).value for c in range(2, 5)] == [
        c.label["zh-CN"] for c in table.columns[:3]]
    for r, row in enumerate(table.rows, start=4):
        assert sheet.cell(row=r, column=1).value == row.label["zh-CN"]
        value = row.values[0]
        cell = sheet.cell(row=r, column=2).value
        assert cell == (value.value if value.status == "published" else
                        ("<5" if value.status == "primary" else "x"))
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert "<5" in texts and "x" in texts
    assert "去标识化统计数据 · de-identified statistics" in {c.value for c in book["主要指标"]["A"]}
    assert any(str(t).startswith("生成时间：2026-11-22") for t in texts)
    definitions = book["指标定义"]
    assert [definitions.cell(row=r, column=1).value for r in range(2, 5)] == ["预警量", "破案数", "实际损失"]
    assert book["主要指标"].oddFooter.center.text.startswith("去标识化统计数据")


def test_json_is_the_publication_with_headlines_and_footer(publish):
    publication = publish(OCTOBER)
    body = json.loads(make(publication, "json", "en").content)
    assert body["de_identified"] is True and body["digest"] == publication.digest
    assert body["tables"] == [t.as_dict("en", 5) for t in publication.tables]
    assert body["headlines"] == headline_text(publication, "en").splitlines()
    assert body["footer"][0] == "De-identified statistics"


def test_file_hash_as_letters_has_no_digits_and_maps_back():
    letters = sha256_letters(b"statistics")
    assert len(letters) == 64 and letters.isalpha()
    back = letters.translate(str.maketrans("abcdefghijklmnop", "0123456789abcdef"))
    assert back == hashlib.sha256(b"statistics").hexdigest()


def test_headlines_refuse_personal_numbers_and_excess():
    assert clean_headlines("  预警量上升。\n") == "预警量上升。"
    with pytest.raises(RequestError) as caught:
        clean_headlines("联系 13812345678")
    assert caught.value.field == "headlines"
    with pytest.raises(RequestError):
        clean_headlines("x" * 5000)
