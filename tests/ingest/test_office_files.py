"""Files as Excel and WPS write them in a Chinese locale: encodings, delimiters, Chinese headers,
office dates and amounts, names for codes; errors naming row, column, value and example;
re-imports that queue no rejected row twice."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.cli import main
from dashboard.domain import Warning
from dashboard.domain.ingest import RejectedRecord
from dashboard.ingest.file_import import import_file
from dashboard.ingest.files import FileFormatError, Reading, RecordFile
from tests.ingest.test_file_import import scope_of

HEADER = ["预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "姓名", "派出所编码", "涉案金额（元）"]
ROWS = [
    ["W-1", "2026/12/6 14:05", "刷单返利", "高", "涉诈电话", "王芳", "35020301", "1,234.50"],
    ["W-2", "2026年12月6日 14时06分", "虚假网络贷款", "中风险", "Fraud text message", "欧阳娜娜",
     "35020302", "￥５,０００元"],
]


def office_csv(path, rows, encoding="gb18030", sep=",", header=HEADER):
    """As Excel/WPS save "CSV" or "Unicode text": the locale's encoding, CRLF, quotes when needed."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(("encoding", "sep", "suffix"), [
    ("gb18030", ",", ".csv"), ("gbk", ";", ".csv"), ("utf-8-sig", ",", ".csv"), ("utf-8", "\t", ".txt"),
    ("utf-16", "\t", ".txt"),  # Excel's "Unicode text"
])
def test_office_csv_files_are_read(tmp_path, encoding, sep, suffix):
    path = office_csv(tmp_path / f"预警{suffix}", ROWS, encoding, sep)
    with RecordFile(path, source="hotline") as f:
        assert f.kind == "warnings" and f.delimiter == sep
        rows = list(f.rows())
    assert [r.errors for r in rows] == [[], []]
    first, second = (r.record for r in rows)
    assert first == {"source": "hotline", "external_id": "W-1", "received_at": "2026-12-06T14:05:00+08:00",
                     "fraud_type": "brushing_rebate", "risk_level": "high", "channel": "call",
                     "person": {"name": "王芳"}, "station_code": "35020301", "amount_at_risk": "1234.5"}
    assert (second["fraud_type"], second["risk_level"], second["channel"]) == ("fake_loan", "medium", "sms")
    assert second["amount_at_risk"] == "5000" and rows[0].fen == 1 and rows[1].fen == 0


def test_cell_errors_name_row_column_value_and_example(tmp_path):
    rows = [["W-3", "2026/02/30 09:00", "没有这种", "高", "涉诈电话", "", "35020301", "-5"]]
    path = office_csv(tmp_path / "bad.csv", rows)
    with RecordFile(path, source="hotline") as f:
        (row,) = list(f.rows())
    assert [e["reason"] for e in row.errors] == [
        '第 2 行「接警时间」的值 "2026/02/30 09:00" 不是有效日期时间；示例：2026-12-06 14:05',
        '第 2 行「诈骗类型」的值 "没有这种" 不在参考列表中，可填代码或中英文名称；示例：刷单返利',
        '第 2 行「涉案金额（元）」的值 "-5" 是负数，金额不能为负；示例：1,234.50',
    ]
    with RecordFile(path, source="hotline", reading=Reading(lang="en")) as f:
        (row,) = list(f.rows())
    assert row.errors[0]["reason"] == (
        'Row 2, column "接警时间": "2026/02/30 09:00" is not a valid date and time; example: 2026-12-06 14:05')


def test_xlsx_dates_serials_and_wan_yuan(tmp_path):
    path = tmp_path / "预警.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER[:-1], "涉案金额（万元）"])
    sheet.append(["W-1", datetime(2026, 12, 6, 14, 5), "刷单返利", "高", "涉诈电话", "王芳", 35020301, 1.5])
    sheet.append(["W-2", 46362.586805555555, "刷单返利", "高", "涉诈电话", "王芳", 35020301, "0.12345"])
    sheet.append(["W-3", date(2026, 12, 6), "刷单返利", "高", "涉诈电话", "王芳", 35020301, 1])
    sheet.append(["W-4", 46362, "刷单返利", "高", "涉诈电话", "王芳", 35020301, 1])
    book.save(path)
    with RecordFile(path, source="hotline") as f:
        rows = list(f.rows())
    assert [r.record.get("received_at") for r in rows[:2]] == ["2026-12-06T14:05:00+08:00"] * 2
    assert [r.record["amount_at_risk"] for r in rows[:2]] == ["15000", "1234.5"]
    assert [r.errors for r in rows[:2]] == [[], []]
    for row in rows[2:]:  # a date with no time is refused, never midnight
        assert [e["field"] for e in row.errors] == ["received_at"]
        assert "只有日期，缺少时刻" in row.errors[0]["reason"]


def test_legacy_xls_asks_for_xlsx(tmp_path):
    path = tmp_path / "预警.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(FileFormatError) as caught:
        RecordFile(path)
    assert caught.value.reason == "legacy_xls"


def _rejected(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(RejectedRecord))


def test_office_file_imports_and_a_second_run_queues_nothing_twice(units, tmp_path):
    rows = [*ROWS, ["W-3", "2026/12/6", "刷单返利", "高", "涉诈电话", "张伟", "35020301", "100"],
            ["", "2026/12/6 14:07", "刷单返利", "高", "涉诈电话", "李建国", "35020301", "100"],
            ["W-5", "2026/12/6 14:08", "刷单返利", "高", "涉诈电话", "陈思思", "99999999", "100"]]
    path = office_csv(tmp_path / "预警.csv", rows)
    summary = import_file(scope_of(units), path, source="hotline", actor="cli:test")
    assert summary.counts["inserted"] == 2 and summary.counts["rejected"] == 3
    assert summary.encoding == "gb18030" and summary.fen == 1
    with Session(units) as session:
        stored = {w.external_id: w for w in session.scalars(select(Warning))}
        assert stored["W-1"].amount_at_risk == 1235 and stored["W-2"].amount_at_risk == 5000
        assert stored["W-1"].received_at.replace(tzinfo=None) == datetime(2026, 12, 6, 14, 5)
        kept = session.scalars(select(RejectedRecord).order_by(RejectedRecord.position)).all()
        assert [k.position for k in kept] == [4, 5, 6]
        assert "「接警时间」" in json.loads(kept[0].errors)[0]["reason"]
    with summary.report_path.open(encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert report[0]["column"] == "接警时间" and report[0]["line"] == "4"
    assert any(r["column"] == "派出所编码" for r in report)  # the core's errors name the column too
    again = import_file(scope_of(units), path, source="hotline", actor="cli:test")
    assert again.counts["duplicate"] == 2 and again.counts["rejected"] == 3
    assert _rejected(units) == 3
    rows[2][1] = "2026/12/6 9:00:99"  # changed content is a new rejection
    import_file(scope_of(units), office_csv(tmp_path / "预警.csv", rows), source="hotline")
    assert _rejected(units) == 4


@pytest.fixture
def cli_env(units, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", units.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "zh-CN")


def test_cli_map_timezone_and_language(cli_env, units, tmp_path, capsys):
    header = ["受理时间", *HEADER[:1], *HEADER[2:]]
    rows = [[r[1], r[0], *r[2:]] for r in ROWS]
    path = office_csv(tmp_path / "预警.csv", rows, encoding="gbk", sep=";", header=header)
    args = ["import", str(path), "--source", "hotline", "--timezone", "UTC"]
    assert main([*args, "--lang", "en", "--kind", "warnings"]) == 2
    assert "Unknown columns in the header: 受理时间" in capsys.readouterr().err
    assert main([*args, "--map", "受理时间=received_at"]) == 0
    out = capsys.readouterr().out
    assert "新增 2" in out and "分隔符：分号" in out and "1 个金额含角分" in out
    with Session(units) as session:
        first = session.scalar(select(Warning.received_at).where(Warning.external_id == "W-1"))
    assert first.replace(tzinfo=None) == datetime(2026, 12, 6, 22, 5)  # 14:05 UTC in Shanghai time
    assert main([*args, "--map", "受理时间"]) == 2
    assert "列名=字段" in capsys.readouterr().err
    assert main([*args, "--timezone", "Mars/Base"]) == 2
    assert "未知时区" in capsys.readouterr().err
    rows = [[r[0], f"{r[1]}-next", *r[2:]] for r in rows]  # the source's next file: its map is kept
    office_csv(path, rows, encoding="gbk", sep=";", header=header)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "新增 2" in out and "已使用为该来源保存的列名对应：受理时间=received_at" in out
    other = ["import", str(path), "--source", "other", "--kind", "warnings"]
    assert main(other) == 2  # saved for hotline, not for every source
    assert "受理时间" in capsys.readouterr().err
