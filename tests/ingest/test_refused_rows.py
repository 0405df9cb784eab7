"""The refused rows' XLSX: the file's cells as read plus a reason, formula-safe, read back as written."""

from __future__ import annotations

import openpyxl

from dashboard.ingest.files import RecordFile, cell_text
from dashboard.ingest.refused_rows import RefusedRows

HEADER = ["预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "派出所编码", "备注列", "涉案金额（元）"]


def test_formula_like_cells_are_text_and_read_back_as_they_were(tmp_path):
    path = tmp_path / "refused.xlsx"
    rows = RefusedRows(path, HEADER, "en")
    rows.write(["=HYPERLINK(\"x\")", "2026/12/6 14:05", "+1", "@sum", "-5", "35020301", None, 12.5],
               ["amount: must not be negative", "station: unknown"])
    rows.close()
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header, first = list(sheet.iter_rows(values_only=True))
    assert list(header) == [*HEADER, "Refused reason"]
    assert first[0] == "'=HYPERLINK(\"x\")" and sheet["A2"].data_type == "s"  # never a formula
    assert first[7] == 12.5 and first[8] == "amount: must not be negative；station: unknown"
    assert [cell_text(v) for v in first[:5]] == ["=HYPERLINK(\"x\")", "2026/12/6 14:05", "+1",
                                                "@sum", "-5"]
    assert cell_text("'plain") == "'plain"  # a quote before ordinary text is the text's own


def test_the_reason_column_is_ignored_when_the_file_comes_back(tmp_path):
    path = tmp_path / "back.xlsx"
    rows = RefusedRows(path, ["预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "派出所编码"], "zh-CN")
    rows.write(["W-1", "2026/12/6 14:05", "刷单返利", "高", "涉诈电话", "35020301"], ["原因"])
    rows.close()
    with RecordFile(path, source="upstream") as records:
        assert records.columns[-1].path is None and records.header[-1] == "拒收原因"
        (row,) = list(records.rows())
    assert "refused_reason" not in row.record and row.record["external_id"] == "W-1"
