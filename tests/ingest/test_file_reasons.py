"""A file import's reasons after parsing (units, routing, the sender, duplicates, the record's checks)
are said in the user's language, naming row and column, never repeating a personal value."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from dashboard.auth.scope import scope_of
from dashboard.cli import main
from dashboard.commands.rejected import open_records, shown_errors
from dashboard.i18n import translate
from dashboard.ingest.file_import import import_file
from dashboard.ingest.files import Reading
from dashboard.ingest.reasons import field_text, reason_text
from tests.ingest.conftest import NOW, city_leader
from tests.ingest.test_file_import import scope_of as session_scope
from tests.ingest.test_office_files import office_csv

PHONE, ID_NUMBER = "1390013800", "350203199001011230"  # a digit short; a wrong check character
HEADER = ["来源", "预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "手机号", "身份证号",
          "派出所编码", "分局编码", "经度", "纬度", "涉案金额（元）"]


@pytest.fixture
def cli_env(units, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", units.url.render_as_string(hide_password=False))


def _at(moment) -> str:
    return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"


def _row(external_id, *, source="hotline", at=None, fraud="刷单返利", phone="", id_number="",
         station="35020301", county="", lon="", lat=""):
    return [source, external_id, _at(at or NOW - timedelta(hours=1)), fraud, "高风险", "涉诈电话",
            phone, id_number, station, county, lon, lat, "1,234.50"]


# row number in the file -> (column, code) of the error it must get
WARNING_ROWS = [
    (_row("W-1", station="99999999"), "派出所编码", "station_unknown"),
    (_row("W-2", county="350206"), "分局编码", "county_mismatch"),
    (_row("W-3", station="", lon="120.15", lat="30.28"), "经度", "point_outside"),
    (_row("W-4", lon="118.1"), "纬度", "lon_lat_pair"),
    (_row("W-5", phone=PHONE), "手机号", "phone_invalid"),
    (_row("W-6", id_number=ID_NUMBER), "身份证号", "id_number_invalid"),
    (_row("W-7", at=NOW + timedelta(days=2)), "接警时间", "time_future"),
    (_row("W-8"), None, None),
    (_row("W-8", fraud="虚假网络贷款"), "预警编号", "twice_in_batch"),
    (_row("W-9", source="other"), "来源", "source_mismatch"),
    (_row("W 10"), "预警编号", "pattern"),
    (_row("W-11", station=""), "派出所编码", "station_or_point"),
    (_row("W-12", fraud="虚假网络贷款"), "诈骗类型", "differs_warning"),
]
OUTCOME_HEADER = ["编号", "预警来源", "预警编号（关联）", "劝阻方式", "劝阻结果", "开始时间", "结束时间"]
OUTCOME_ROWS = [
    (["O-1", "", "W-404", "预警短信", "已送达", _at(NOW - timedelta(minutes=30)), ""],
     "预警编号（关联）", "warning_unknown"),
    (["O-2", "other", "W-12", "预警短信", "已送达", _at(NOW - timedelta(minutes=30)), ""],
     "预警来源", "follow_refused"),
    (["O-3", "", "W-12", "预警短信", "已送达", _at(NOW - timedelta(minutes=30)),
      _at(NOW - timedelta(minutes=40))], "结束时间", "not_before"),
]
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){2,}")  # three English words in a row
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fragment(code: str, lang: str) -> str:
    """The message's words up to its first parameter."""
    return translate(f"ingest.reason.{code}", lang).split("{")[0].strip()


def _import_all(units, tmp_path, lang: str) -> dict[int, tuple[str, str]]:
    """Import the files (a first warning W-12, then the rows above); report row -> (column, reason)."""
    reading = Reading(lang=lang)
    first = office_csv(tmp_path / "first.csv", [_row("W-12")], header=HEADER)
    assert import_file(session_scope(units), first, source="hotline", reading=reading).counts["inserted"] == 1
    reported = {}
    for name, header, rows, kind in (("预警.csv", HEADER, WARNING_ROWS, "warnings"),
                                     ("劝阻.csv", OUTCOME_HEADER, OUTCOME_ROWS, "outcomes")):
        path = office_csv(tmp_path / name, [r for r, _, _ in rows], header=header)
        summary = import_file(session_scope(units), path, source="hotline", kind=kind, reading=reading)
        assert summary.counts["rejected"] == sum(1 for _, _, code in rows if code)
        with summary.report_path.open(encoding="utf-8-sig") as fh:
            for line in csv.DictReader(fh):
                reported[(kind, int(line["line"]))] = (line["column"], line["reason"])
    return reported


def _expected():
    for kind, rows in (("warnings", WARNING_ROWS), ("outcomes", OUTCOME_ROWS)):
        for number, (_, column, code) in enumerate(rows, start=2):
            if code:
                yield (kind, number), column, code


def test_reasons_after_parsing_are_chinese_under_zh_cn(units, tmp_path):
    reported = _import_all(units, tmp_path, "zh-CN")
    assert len(reported) == len(list(_expected()))
    for key, column, code in _expected():
        got_column, reason = reported[key]
        assert got_column == column, (key, reported[key])
        assert reason.startswith(f"第 {key[1]} 行「{column}」："), reason
        assert _fragment(code, "zh-CN") in reason, (code, reason)
        assert CJK.search(reason.split("：", 1)[1]), reason
        assert not ENGLISH_SENTENCE.search(reason), reason
        assert "Input should" not in reason and "Value error" not in reason
        assert PHONE not in reason and ID_NUMBER not in reason
    # a reason naming another field names its column as the file does
    assert reported[("outcomes", 4)][1].endswith("不能早于 开始时间")


def test_reasons_after_parsing_are_english_under_en(units, tmp_path):
    reported = _import_all(units, tmp_path, "en")
    for key, column, code in _expected():
        _, reason = reported[key]
        assert reason.startswith(f'Row {key[1]}, column "{column}": '), reason
        assert _fragment(code, "en") in reason, (code, reason)
        assert not CJK.search(reason.replace(column, "").split(": ", 1)[1].replace("开始时间", "")), reason
        assert PHONE not in reason and ID_NUMBER not in reason


def test_the_rejected_page_and_the_cli_say_the_codes_in_their_language(units, tmp_path, cli_env, capsys):
    path = office_csv(tmp_path / "预警.csv", [_row("W-1", station="99999999"), _row("W-5", phone=PHONE)],
                      header=HEADER)
    assert main(["import", str(path), "--source", "hotline", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert 'Row 2, column "派出所编码": no police station has this code' in out
    assert 'Row 3, column "手机号": is not a phone number' in out and PHONE not in out
    with Session(units) as session:
        records = open_records(session, scope_of(session, city_leader(session)))
        errors = [e for r in records for e in shown_errors(r)]
    assert {e["code"] for e in errors} == {"station_unknown", "phone_invalid"}
    station = next(e for e in errors if e["code"] == "station_unknown")
    assert station["reason"] == "no station with this code"  # the API's English, kept beside the code
    assert field_text(station, "zh-CN") == "station_code: 没有此编码的派出所；示例：35020301"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_cells_error_kept_in_the_rejected_list_is_said_in_the_readers_language(units, tmp_path, lang):
    path = office_csv(tmp_path / "bad.csv", [_row("W-1", at=None)[:2] + ["2026/02/30 09:00"]
                                             + _row("W-1")[3:]], header=HEADER)
    import_file(session_scope(units), path, source="hotline")  # the import's language: zh-CN
    with Session(units) as session:
        records = open_records(session, scope_of(session, city_leader(session)))
        (error,) = shown_errors(records[0])
    text = reason_text(error, lang)
    expected = {"zh-CN": "第 2 行「接警时间」的值", "en": 'Row 2, column "接警时间": "2026/02/30 09:00"'}
    assert text.startswith(expected[lang]), text
