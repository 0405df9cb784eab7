"""The web import page: upload, detection, mapping, a preview that stores nothing, a background
import with progress, the refused rows' XLSX round trip, and who may do what (both databases)."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry, RejectedRecord, Warning
from dashboard.domain.base import now_local
from dashboard.domain.imports import ImportJob
from tests.web.dash_requests import find, post_callback, render_page

HEADER = ["预警编号", "接警时间", "诈骗类型", "风险等级", "预警渠道", "手机号", "派出所编码", "涉案金额（元）"]
GOOD = [["IMP-1", "2026/11/20 14:05", "刷单返利", "高", "涉诈电话", "13912345678", "35020301", "1,234.50"],
        ["IMP-2", "2026年11月20日 14时06分", "虚假投资理财", "中风险", "涉诈短信", "13812345679", "35020501",
         "￥5,000元"]]
BAD = ["IMP-3", "2026/11/20 14:07", "刷单返利", "高", "涉诈电话", "13712345670", "35020301", "一千元"]


def office_csv(rows, header=HEADER, encoding="gb18030") -> bytes:
    """A CSV as Excel or WPS save it in a Chinese locale: GB18030, CRLF."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, name: str, content: bytes, **fields):
    data = {"file": (io.BytesIO(content), name), "kind": "", "source": "hotline", "timezone": "Asia/Shanghai",
            **fields}
    return client.post("/admin/import/upload", data=data, content_type="multipart/form-data")


def job_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("job=", 1)[1])


def dependency(client, output: str, trigger: str) -> str:
    for dep in client.get("/_dash-dependencies").get_json():
        if output in dep["output"] and any(i["id"] == trigger for i in dep["inputs"]):
            return dep["output"]
    raise AssertionError(f"no callback of {trigger}")


def press(client, button: str, job_id: int, state=()):
    output = dependency(client, "import-body.children", button)
    inputs = [{"id": button, "property": "n_clicks", "value": 1}]
    return post_callback(client, output, inputs,
                         [{"id": "import-job", "property": "data", "value": job_id}, *state],
                         changed=[f"{button}.n_clicks"])


def wait_finished(engine, job_id: int, timeout: float = 60.0) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            job = session.get(ImportJob, job_id)
            if job.finished:
                return job
        time.sleep(0.1)
    raise AssertionError(f"import {job_id} did not finish: {job.state}")


def text_of(component) -> str:
    return json.dumps(component, ensure_ascii=False)


def counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Warning)),
                session.scalar(select(func.count()).select_from(RejectedRecord)))


@pytest.fixture
def sysadmin(fresh_client):
    return fresh_client("sysadmin")


def test_without_a_source_the_page_asks_for_one(sysadmin):
    job_id = job_id_of(upload(sysadmin, "预警.csv", office_csv(GOOD), source=""))
    error = text_of(find(render_page(sysadmin, "/admin/import", f"?job={job_id}"), "import-error"))
    assert "数据来源" in error and "--source" not in error


def test_upload_preview_import_and_refused_rows_round_trip(sysadmin, fresh_client, engine):
    before = counts(engine)
    job_id = job_id_of(upload(sysadmin, "预警.csv", office_csv([*GOOD, BAD])))
    page = render_page(sysadmin, "/admin/import", f"?job={job_id}")
    shown = text_of(find(page, "import-body"))
    assert "GB18030" in shown.upper() and "逗号" in text_of(find(page, "import-detected"))
    preview = text_of(find(page, "import-preview"))
    assert preview.count("将新增") == 2 and "将拒收" in preview
    assert "第 4 行" in preview and "涉案金额（元）" in preview and "一千元" in preview  # row, column, value
    assert "13912345678" not in text_of(page) and "139****5678" in preview  # masked, even for sysadmin
    assert "单位35020501" in preview  # the station the warning is routed to
    assert counts(engine) == before  # the preview stored nothing

    response = press(sysadmin, "import-start", job_id)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    job = wait_finished(engine, job_id)
    assert (job.state, job.rows, job.inserted, job.rejected) == ("done", 3, 2, 1)
    assert counts(engine) == (before[0] + 2, before[1] + 1)
    with Session(engine) as session:
        stored = session.scalar(select(Warning).where(Warning.external_id == "IMP-1"))
        assert stored.amount_at_risk == 1235 and stored.received_at.hour == 14
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.object == f"import:{job_id}")))
        assert {audit.IMPORT_UPLOADED, audit.IMPORT_STARTED, audit.IMPORT_FINISHED} <= actions

    summary = text_of(render_page(sysadmin, "/admin/import", f"?job={job_id}"))
    assert "import-refused" in summary and "拒收 1" in summary
    assert fresh_client("commander").get(f"/admin/import/{job_id}/refused.xlsx").status_code == 404
    refused = sysadmin.get(f"/admin/import/{job_id}/refused.xlsx")
    assert refused.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(refused.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [*HEADER, "拒收原因"] and rows[1][:8] == BAD and "涉案金额" in rows[1][8]

    rows[1][7] = "1,000"  # corrected in Excel, uploaded again as it is
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    fixed = io.BytesIO()
    book.save(fixed)
    again = job_id_of(upload(sysadmin, "预警.refused.xlsx", fixed.getvalue()))
    preview = text_of(find(render_page(sysadmin, "/admin/import", f"?job={again}"), "import-preview"))
    assert preview.count("将新增") == 1 and "将拒收" not in preview
    press(sysadmin, "import-start", again)
    assert wait_finished(engine, again).inserted == 1
    with Session(engine) as session:
        assert session.scalar(select(Warning.amount_at_risk).where(Warning.external_id == "IMP-3")) == 1000
        downloads = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == audit.IMPORT_DOWNLOADED))
        assert downloads == 1


def test_a_commander_imports_rows_of_his_district_only(fresh_client, engine):
    commander = fresh_client("commander")  # county 350203: stations 35020301 and 35020302
    job_id = job_id_of(upload(commander, "warnings.csv", office_csv(GOOD)))
    preview = text_of(find(render_page(commander, "/admin/import", f"?job={job_id}"), "import-preview"))
    assert preview.count("将新增") == 1 and preview.count("将拒收") == 1
    press(commander, "import-start", job_id)
    job = wait_finished(engine, job_id)
    assert (job.inserted, job.rejected) == (1, 1)
    with Session(engine) as session:
        assert session.scalar(select(Warning).where(Warning.external_id == "IMP-2")) is None
    # another user's job is not found, and the attempt is audited
    other = fresh_client("commander2")
    assert find(render_page(other, "/admin/import", f"?job={job_id}"), "import-body") is None
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.username == "commander2", AuditEntry.action == audit.ACCESS_DENIED,
            AuditEntry.object == f"import:{job_id}")) >= 1


@pytest.mark.parametrize(("name", "content", "fields", "expected"), [
    ("旧表.xls", b"\xd0\xcf\x11\xe0", {}, "另存为 .xlsx"),
    ("预警.pdf", b"%PDF", {}, "文件"),
    ("预警.csv", office_csv(GOOD), {"timezone": "Mars/Olympus"}, "时区"),
    ("预警.csv", office_csv(GOOD), {"source": "no spaces please"}, "数据来源"),
    ("预警.csv", office_csv(GOOD), {"kind": "invoices"}, "数据类型"),
    ("13912345678.csv", office_csv(GOOD), {}, "个人号码"),
])
def test_a_refused_upload_names_the_field_and_keeps_nothing(sysadmin, engine, tmp_path, name,
                                                            content, fields, expected):
    assert sysadmin.get("/admin/import/upload").status_code == 200  # the form
    response = upload(sysadmin, name, content, **fields)
    assert response.status_code == 400
    form = response.get_data(as_text=True)
    assert 'id="import-refusal"' in form and expected in form and 'id="import-form"' in form
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
    assert not [p for p in (tmp_path / "imports").iterdir()]


@pytest.mark.parametrize("username", ["leader", "officer", "press", "secadmin", "auditor"])
def test_others_may_neither_open_the_page_nor_upload(fresh_client, engine, username):
    client = fresh_client(username)
    assert find(render_page(client, "/admin/import"), "access-denied") is not None
    assert client.get("/admin/import/upload").status_code == 403
    assert upload(client, "预警.csv", office_csv(GOOD)).status_code == 403
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ImportJob)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.username == username, AuditEntry.action == audit.ACCESS_DENIED)) >= 1


def test_unknown_columns_are_mapped_on_the_page_and_the_mapping_is_kept_for_the_source(sysadmin, engine):
    header = ["预警编号", "预警发生时刻", *HEADER[2:]]  # a column the headers file does not know
    job_id = job_id_of(upload(sysadmin, "预警.csv", office_csv(GOOD[:1], header)))
    page = render_page(sysadmin, "/admin/import", f"?job={job_id}")
    assert "预警发生时刻" in text_of(find(page, "import-error"))
    assert find(page, "import-mapping") is not None and find(page, "import-start") is None
    fields = ["external_id", "received_at", "fraud_type", "risk_level", "channel", "person_phone",
              "station_code", "amount_at_risk"]
    state = [{"id": "import-kind-choice", "property": "value", "value": "warnings"},
             [{"id": {"type": "import-map", "index": i}, "property": "value", "value": f}
              for i, f in enumerate(fields)]]
    response = press(sysadmin, "import-apply", job_id, state)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = text_of(response.get_json()["response"]["import-body"]["children"])
    assert "将新增" in body and "import-start" in body
    bad = [{"id": "import-kind-choice", "property": "value", "value": "warnings"},
           [{"id": {"type": "import-map", "index": 0}, "property": "value", "value": "no_such_field"}]]
    refused = press(sysadmin, "import-apply", job_id, bad).get_json()["response"]
    assert "no_such_field" in text_of(refused["import-feedback"]["children"])
    press(sysadmin, "import-start", job_id)
    assert wait_finished(engine, job_id).inserted == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Warning).where(
            Warning.source == "hotline")) == 1
    # the next file of the source needs no mapping
    second = job_id_of(upload(sysadmin, "预警2.csv", office_csv([["IMP-9", *GOOD[0][1:]]], header)))
    page = render_page(sysadmin, "/admin/import", f"?job={second}")
    assert find(page, "import-preview") is not None and find(page, "import-error") is None


def test_an_import_whose_process_died_shows_interrupted_and_runs_again(sysadmin, engine):
    job_id = job_id_of(upload(sysadmin, "预警.csv", office_csv(GOOD)))
    with Session(engine) as session, session.begin():
        session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            state="running", heartbeat_at=now_local() - timedelta(minutes=10)))
    page = render_page(sysadmin, "/admin/import", f"?job={job_id}")
    assert "已中断" in text_of(find(page, "import-state")) and find(page, "import-start") is not None
    press(sysadmin, "import-start", job_id)
    assert wait_finished(engine, job_id).state == "done"


def test_english_page_and_errors(fresh_client, engine):
    client = fresh_client("sysadmin")
    client.get("/lang/en")
    job_id = job_id_of(upload(client, "warnings.csv", office_csv([BAD])))
    page = text_of(render_page(client, "/admin/import", f"?job={job_id}"))
    assert "Refused" in page and 'Row 2, column \\"涉案金额（元）\\"' in page
    assert "将拒收" not in page and "Data import" in page
