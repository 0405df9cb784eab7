"""``antifraud import-units FILE``: the report, the exit codes, and nothing written on a problem."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.domain import OrgUnit

GOOD = """code,level,parent_code,name_zh,name_en,population
350200,city,,厦门市公安局,Xiamen Bureau,"5,300,000"
350203,county,350200,思明分局,Siming Sub-bureau,
35020301,station,350203,中华派出所,Zhonghua Station,120000
"""


@pytest.fixture
def database(cli_database):
    return cli_database


def units(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OrgUnit))


def test_a_clean_list_is_imported_and_reported(database, tmp_path, capsys):
    path = tmp_path / "units.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")  # a BOM, as spreadsheet programs write
    assert main(["import-units", str(path), "--dry-run"]) == 0
    assert "将新建 3 个" in capsys.readouterr().out and units(database) == 0
    assert main(["import-units", str(path)]) == 0
    assert "新建 3 个，更新 0 个，未变 0 个" in capsys.readouterr().out
    assert units(database) == 3


def test_problems_are_listed_by_line_and_field_and_nothing_is_changed(database, tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    path = tmp_path / "units.csv"
    path.write_text(GOOD + "35020302,station,350299,鼓浪屿派出所,Gulangyu Station,\n", encoding="utf-8")
    assert main(["import-units", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Line 5, Parent unit code (parent_code): parent unit 350299 is neither in the list nor stored" in out
    assert "1 problem(s); nothing was changed" in out
    assert units(database) == 0


@pytest.mark.parametrize(("content", "message"), [
    ("code,level,name_zh\n350200,city,市局\n", "缺少列 parent_code, name_en"),
    (None, "无法读取文件"),
    (b"code,level,parent_code,name_zh,name_en\n350200,city,,\xca\xd0\xbe\xd6,City\n", "不是 UTF-8 编码"),
])
def test_an_unreadable_file_is_one_line_exit_2(database, tmp_path, capsys, content, message):
    path = tmp_path / "units.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["import-units", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert units(database) == 0
