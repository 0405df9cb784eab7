"""Reading ingest files: encodings, flattened headers, spreadsheets, row numbers, batches."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from dashboard.ingest.files import (
    FileFormatError,
    RecordFile,
    batches,
    detect_encoding,
    guess_kind,
)

HEADER = ["source", "external_id", "received_at", "fraud_type", "risk_level", "channel",
          "person_name", "person.phone", "station_code", "amount_at_risk"]
ROWS = [
    ["upstream", "W-1", "2026-05-01T09:30:00+08:00", "investment", "high", "call",
     "王芳", "13800000001", "35020301", "50000"],
    ["upstream", "W-2", "2026-05-01T09:31:00+08:00", "fake_loan", "medium", "sms",
     "欧阳娜娜", "13800000002", "35020302", ""],
]


def write_csv(path, rows, encoding: str, header=HEADER, sep=",") -> None:
    text = "\r\n".join(sep.join(r) for r in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_encodings_are_detected_and_chinese_names_read_right(tmp_path, encoding, expected):
    path = tmp_path / "warnings.csv"
    write_csv(path, ROWS, encoding)
    assert detect_encoding(path) == expected
    with RecordFile(path) as f:
        assert f.kind == "warnings" and f.encoding == expected
        rows = list(f.rows())
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].record["person"] == {"name": "王芳", "phone": "13800000001"}
    assert rows[1].record["person"]["name"] == "欧阳娜娜"
    assert rows[0].record["source"] == "upstream"  # the BOM did not stick to the first header
    assert "amount_at_risk" not in rows[1].record  # empty cells are left out


def test_gb18030_detected_when_the_non_utf8_bytes_come_late(tmp_path):
    path = tmp_path / "late.csv"
    rows = [[*ROWS[0][:1], f"W-{i}", *ROWS[0][2:6], "Wang", *ROWS[0][7:]] for i in range(30_000)]
    rows.append(ROWS[1])  # the only Chinese, more than a megabyte in
    write_csv(path, rows, "gb18030")
    assert path.stat().st_size > 1 << 20
    assert detect_encoding(path) == "gb18030"
    with RecordFile(path) as f:
        last = list(f.rows())[-1]
    assert last.record["person"]["name"] == "欧阳娜娜" and last.line == 30_002


def test_tab_separated_and_source_option(tmp_path):
    path = tmp_path / "warnings.txt"
    header = [h for h in HEADER if h != "source"]
    write_csv(path, [r[1:] for r in ROWS], "utf-8", header=header, sep="\t")
    with RecordFile(path, source="hotline") as f:
        records = [r.record for r in f.rows()]
    assert [r["source"] for r in records] == ["hotline", "hotline"]
    assert records[0]["station_code"] == "35020301"


def test_xlsx_cells_become_api_text(tmp_path):
    path = tmp_path / "warnings.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["upstream", "W-1", datetime(2026, 5, 1, 9, 30), "investment", "high", "call",
                  "王芳", 13800000001, 35020301, 50000.0])
    sheet.append([None] * len(HEADER))  # an empty row is skipped
    sheet.append(["upstream", "W-2", "2026-05-01T09:31:00+08:00", "fake_loan", "medium", "sms",
                  "李四", "13800000002", "35020302", 1234.5])
    book.save(path)
    with RecordFile(path) as f:
        rows = list(f.rows())
        assert f.done == f.size == 4
    assert [r.line for r in rows] == [2, 4]
    first = rows[0].record
    assert first["received_at"] == "2026-05-01T09:30:00+08:00"  # a date cell is Shanghai time
    assert first["person"] == {"name": "王芳", "phone": "13800000001"}
    assert first["station_code"] == "35020301" and first["amount_at_risk"] == "50000"
    assert rows[1].record["amount_at_risk"] == "1234.5"


@pytest.mark.parametrize(("header", "reason"), [
    (HEADER + ["colour"], "unknown_columns"),
    (HEADER + ["person_name"], "repeated_columns"),
    ([h for h in HEADER if h != "channel"], "unknown_kind"),
])
def test_bad_headers_are_refused_before_any_row(tmp_path, header, reason):
    path = tmp_path / "bad.csv"
    write_csv(path, [], "utf-8", header=header)
    with pytest.raises(FileFormatError) as info:
        RecordFile(path)
    assert info.value.reason == reason


def test_missing_required_column_with_a_named_kind(tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(path, [], "utf-8", header=[h for h in HEADER if h != "channel"])
    with pytest.raises(FileFormatError) as info:
        RecordFile(path, kind="warnings")
    assert info.value.reason == "missing_columns" and info.value.params["columns"] == "channel"


def test_source_column_needed_without_the_option(tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(path, [], "utf-8", header=HEADER[1:])
    with pytest.raises(FileFormatError) as info:
        RecordFile(path, kind="warnings")
    assert info.value.params["columns"] == "source"


@pytest.mark.parametrize(("name", "reason"), [("none.csv", "not_found"), ("data.json", "unknown_format")])
def test_missing_or_unknown_files(tmp_path, name, reason):
    if name.endswith(".json"):
        (tmp_path / name).write_text("[]")
    with pytest.raises(FileFormatError) as info:
        RecordFile(tmp_path / name)
    assert info.value.reason == reason


def test_kinds_are_told_apart_by_their_required_columns():
    assert guess_kind(HEADER) == "warnings"
    assert guess_kind(["source", "external_id", "warning_external_id", "method", "result",
                       "started_at"]) == "outcomes"
    assert guess_kind(["external_id", "account", "bank", "reported_at", "requested_at",
                       "requested_amount", "station_code"]) == "stop-payments"


def test_batches_are_runs_of_consecutive_rows(tmp_path):
    path = tmp_path / "warnings.csv"
    rows = [[*ROWS[0][:1], f"W-{i}", *ROWS[0][2:]] for i in range(7)]
    text = "\n".join(",".join(r) for r in [HEADER, *rows[:3]]) + "\n\n" + "\n".join(
        ",".join(r) for r in rows[3:]) + "\n"
    path.write_text(text, encoding="utf-8")
    with RecordFile(path) as f:
        runs = [[r.line for r in run] for run in batches(f.rows(), 2)]
    assert runs == [[2, 3], [4], [6, 7], [8, 9]]
