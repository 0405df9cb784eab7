"""The system administrator imports an office file on the web, in Chinese and in English.

Upload through the form, the detected encoding and the preview with a row's
error, the background import with its progress until the summary, and the
refused rows' XLSX downloaded (its reason column in the page's language).
The ``anonymous_page`` fixture fails the test on any console error or any
request to a host other than 127.0.0.1.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta

import openpyxl
from sqlalchemy import create_engine, select

from dashboard.domain import OrgUnit
from dashboard.domain.base import SHANGHAI
from tests.browser.conftest import login

HEADER = ["预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "手机号", "派出所编码", "涉案金额（元）"]
WORDS = {"zh-CN": ("GB18030", "将新增", "将拒收", "已完成", "拒收原因"),
         "en": ("GB18030", "New", "Refused", "Done", "Refused reason")}


def a_station(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(OrgUnit.code).where(OrgUnit.level == "station")
                               .order_by(OrgUnit.code))
    finally:
        engine.dispose()


def office_file(path, station: str, prefix: str):
    at = (datetime.now(SHANGHAI) - timedelta(hours=1)).strftime("%Y/%m/%d %H:%M")
    rows = [[f"{prefix}-1", at, "刷单返利", "高", "涉诈电话", "13912345678", station, "1,234.50"],
            [f"{prefix}-2", at, "虚假投资理财", "中风险", "涉诈短信", "13812345679", station, "5000"],
            [f"{prefix}-3", at, "刷单返利", "高", "涉诈电话", "13712345670", station, "一千元"]]
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_sysadmin_imports_an_office_file_in_both_languages(live_server, anonymous_page,
                                                           browser_database, tmp_path):
    page = anonymous_page
    login(page, live_server.url, "sysadmin")
    station = a_station(browser_database.url)
    stamp = datetime.now().strftime("%H%M%S")
    for lang, (encoding, new, refused, done, reason) in WORDS.items():
        page.goto(f"{live_server.url}/lang/{lang}?next=/admin/import")
        page.click("#import-open-upload")
        page.set_input_files("#import-file", office_file(tmp_path / f"预警-{lang}.csv", station,
                                                          f"BR{stamp}{lang[:2].upper()}"))
        page.fill("#import-source", "browser-test")
        page.click("#import-upload")
        page.wait_for_url(re.compile(r"/admin/import\?job=\d+"))
        page.wait_for_selector("#import-preview")
        assert encoding.lower() in page.locator("#import-detected").inner_text().lower()
        preview = page.locator("#import-preview").inner_text()
        assert preview.count(new) >= 2 and refused in preview and "一千元" in preview
        assert "13912345678" not in page.content()  # masked in the preview
        page.click("#import-start")
        page.wait_for_selector("#import-summary", timeout=60_000)
        assert done in page.locator("#import-state").inner_text()
        with page.expect_download() as download:
            page.click("#import-refused")
        path = tmp_path / f"refused-{lang}.xlsx"
        download.value.save_as(path)
        rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
        assert list(rows[0]) == [*HEADER, reason] and len(rows) == 2 and rows[1][7] == "一千元"
