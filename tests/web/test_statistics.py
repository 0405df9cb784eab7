"""The statistics page, its export jobs and ``GET /api/v1/stats``: scope, rules, tokens, audit."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import AuditEntry
from dashboard.domain.ingest import ApiToken
from dashboard.ingest.tokens import create_token
from dashboard.statistics.exports import FORMATS, sha256_letters
from dashboard.statistics.jobs import jobs_of
from dashboard.statistics.tokens import create_stats_token
from tests.conftest import SEED_END
from tests.web.dash_requests import find, post_callback, render_page

PREVIEW = "..statistics-preview.children...statistics-headlines.value...statistics-params.data.."
EXPORT = "..statistics-job.data...statistics-poll.disabled...statistics-export-status.children.."
QUERY = {"unit": "350200,350203", "from": "2026-10-01", "to": "2026-10-31", "compare": "last_year",
         "figure": "received,success_rate,loss_avoided"}


@pytest.fixture
def clocked(app):
    app.extensions["clock"] = lambda: SEED_END
    return app


@pytest.fixture
def as_role(clocked, logged_in_client):
    return logged_in_client


def preview(client, units, start="2026-10-01", end="2026-10-31", figures=("received",),
            compare="last_year"):
    state = [{"id": "statistics-dates", "property": "start_date", "value": start},
             {"id": "statistics-dates", "property": "end_date", "value": end},
             {"id": "statistics-compare", "property": "value", "value": compare},
             {"id": "statistics-compare-dates", "property": "start_date", "value": None},
             {"id": "statistics-compare-dates", "property": "end_date", "value": None},
             {"id": "statistics-units", "property": "value", "value": list(units)},
             {"id": "statistics-figures", "property": "value", "value": list(figures)}]
    return post_callback(client, PREVIEW, [{"id": "statistics-preview-button", "property": "n_clicks",
                                            "value": 1}], state)


def start_export(client, fmt, store, headlines="要点。"):
    inputs = [{"id": f"statistics-export-{f}", "property": "n_clicks", "value": 1 if f == fmt else None}
              for f in FORMATS]
    state = [{"id": "statistics-params", "property": "data", "value": store},
             {"id": "statistics-headlines", "property": "value", "value": headlines}]
    return post_callback(client, EXPORT, inputs, state, changed=[f"statistics-export-{fmt}.n_clicks"])


def follow_output(client) -> str:
    deps = client.get("/_dash-dependencies").get_json()
    return next(d["output"] for d in deps if "statistics-progress.value" in d["output"])


def exports(engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                    .order_by(AuditEntry.id)))


def test_press_sees_last_month_with_headlines_and_the_withheld_summary(as_role):
    client = as_role("press")
    content = render_page(client, "/statistics")
    assert find(content, "statistics-preview-body") is not None
    store = find(content, "statistics-params")["props"]["data"]
    assert store["query"]["from"] == "2026-10-01" and store["query"]["to"] == "2026-10-31"
    headlines = find(content, "statistics-headlines")["props"]["value"]
    assert headlines.startswith("2026年10月，厦门市公安局")
    assert find(content, "statistics-export-csv") is not None


def test_a_unit_outside_the_scope_is_not_found_and_audited(as_role, seeded_engine):
    client = as_role("commander")  # 思明分局 350203
    answer = preview(client, ["350205"]).get_json()["response"]
    assert "350205" in json.dumps(answer["statistics-preview"]["children"], ensure_ascii=False)
    with Session(seeded_engine) as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")
                                 .order_by(AuditEntry.id.desc())).first()
    assert denied.username == "commander" and denied.object.startswith("unit:")
    ok = preview(client, ["350203", "35020301"]).get_json()["response"]
    assert ok["statistics-params"]["data"]["query"]["unit"] == "350203,35020301"


def test_an_export_job_delivers_the_previewed_figures_and_is_audited(as_role, seeded_engine, clocked):
    client = as_role("press")
    store = preview(client, ["350200", "350203"]).get_json()["response"]["statistics-params"]["data"]
    job = start_export(client, "csv", store).get_json()["response"]["statistics-job"]["data"]
    state = jobs_of(clocked).wait(job["id"], next(iter(_owners(clocked))), timeout=60)
    assert state["status"] == "done"
    answer = post_callback(client, follow_output(client),
                           [{"id": "statistics-poll", "property": "n_intervals", "value": 1}],
                           [{"id": "statistics-job", "property": "data", "value": job}]).get_json()
    download = answer["response"]["statistics-download"]["data"]
    import base64
    content = base64.b64decode(download["content"])
    assert content.startswith(b"\xef\xbb\xbf") and download["filename"].endswith(".csv")
    frame = pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", comment="#")
    assert "思明分局" in set(frame["行"])
    assert "要点。" in content.decode("utf-8-sig")
    entry = exports(seeded_engine)[-1]
    detail = json.loads(entry.detail)
    assert entry.username == "press" and entry.object == "statistics:csv"
    assert detail["sha256_letters"] == sha256_letters(content) and detail["channel"] == "page"
    assert not re.search(r"\d{11,}", entry.detail)
    # another user cannot read the job
    other = as_role("leader")
    stolen = post_callback(other, follow_output(other),
                           [{"id": "statistics-poll", "property": "n_intervals", "value": 1}],
                           [{"id": "statistics-job", "property": "data", "value": job}]).get_json()
    assert "statistics-download" not in stolen["response"]


def _owners(app):
    folder = jobs_of(app).folder
    return {json.loads(p.read_text())["owner"] for p in folder.glob("*/state.json")}


def test_an_export_of_figures_that_differ_from_the_preview_is_refused(as_role):
    client = as_role("press")
    store = preview(client, ["350200"]).get_json()["response"]["statistics-params"]["data"]
    store["digest"] = "0" * 64
    answer = start_export(client, "xlsx", store).get_json()["response"]
    assert "重新生成预览" in answer["statistics-export-status"]["children"]


def test_headlines_with_a_phone_number_are_not_exported(as_role):
    client = as_role("press")
    store = preview(client, ["350200"]).get_json()["response"]["statistics-params"]["data"]
    answer = start_export(client, "csv", store, headlines="请联系 13912345678").get_json()["response"]
    assert "headlines" in answer["statistics-export-status"]["children"]


def test_api_with_a_session_gives_the_page_figures(as_role, seeded_engine):
    client = as_role("press")
    store = preview(client, ["350200", "350203"], figures=["received", "success_rate", "loss_avoided"]) \
        .get_json()["response"]["statistics-params"]["data"]
    body = client.get("/api/v1/stats", query_string=QUERY).get_json()
    assert body["digest"] == store["digest"]
    csv = client.get("/api/v1/stats", query_string={**QUERY, "format": "csv", "lang": "en"})
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv.headers["Content-Disposition"]
    assert json.loads(exports(seeded_engine)[-1].detail)["channel"] == "api-session"


@pytest.mark.parametrize(("query", "field"), [
    ({**QUERY, "to": "2026-13-01"}, "to"),
    ({**QUERY, "to": "2026-11-22"}, "to"),        # today: not a complete day
    ({**QUERY, "unit": "999999"}, "unit"),
    ({**QUERY, "figure": "phone_numbers"}, "figure"),
    ({**QUERY, "compare": "custom"}, "compare_from"),
    ({**QUERY, "format": "pdf"}, "format"),
])
def test_api_names_the_field_of_a_bad_request(as_role, query, field):
    response = as_role("press").get("/api/v1/stats", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_api_refuses_anonymous_and_roles_without_export(as_role, anonymous_client):
    assert anonymous_client.get("/api/v1/stats", query_string=QUERY).status_code == 401
    assert as_role("officer").get("/api/v1/stats", query_string=QUERY).status_code == 403
    assert as_role("sysadmin").get("/api/v1/stats", query_string=QUERY).status_code == 403


def test_statistics_tokens_and_ingest_tokens_each_open_only_their_api(clocked, seeded_engine,
                                                                        anonymous_client):
    with Session(seeded_engine) as session, session.begin():
        stats_row, stats_token = create_stats_token(session, "press")
        ingest_row, ingest_token = create_token(session, "upstream")
        ids = [stats_row.id, ingest_row.id]
    try:
        headers = {"Authorization": f"Bearer {stats_token}"}
        answer = anonymous_client.get("/api/v1/stats", query_string=QUERY, headers=headers)
        assert answer.status_code == 200 and answer.get_json()["de_identified"] is True
        entry = exports(seeded_engine)[-1]
        assert entry.username == "press" and json.loads(entry.detail)["channel"] == "api-token"
        assert anonymous_client.post("/api/v1/warnings", json=[], headers=headers).status_code == 401
        ingest = {"Authorization": f"Bearer {ingest_token}"}
        assert anonymous_client.get("/api/v1/stats", query_string=QUERY,
                                    headers=ingest).status_code == 401
    finally:
        with Session(seeded_engine) as session, session.begin():
            for row in session.scalars(select(ApiToken).where(ApiToken.id.in_(ids))):
                session.delete(row)


def test_a_statistics_token_needs_a_role_that_may_export(seeded_engine):
    from dashboard.statistics.tokens import StatsTokenError

    with Session(seeded_engine) as session:
        with pytest.raises(StatsTokenError, match="officer"):
            create_stats_token(session, "officer")
        session.rollback()


def test_a_press_users_exports_are_protected_against_each_other(as_role, seeded_engine):
    """Through the API as through the page: what one export withheld, the next does not give back."""
    from dashboard.domain import ReleasedCell, User

    client = as_role("press")
    station = "35020301"
    answers = [client.get("/api/v1/stats", query_string={
        "unit": station, "from": first, "to": "2026-10-31", "compare": "previous",
        "figure": "received"}).get_json() for first in ("2026-10-01", "2026-10-02")]
    tables = [{t["id"]: t for t in a["tables"]} for a in answers]
    totals = [t["figures"]["rows"][0]["cells"][0] for t in tables]
    october_first = tables[0]["trend"]["rows"][0]["cells"][0]
    if october_first["status"] != "published" and totals[0]["status"] == "published":
        # the first day was withheld: the second total must not give it back by subtraction
        assert totals[1]["status"] != "published"
    with Session(seeded_engine) as session:
        press = session.scalar(select(User).where(User.username == "press"))
        shown = session.scalars(select(ReleasedCell).where(ReleasedCell.recipient == f"user:{press.id}",
                                                           ReleasedCell.unit_code == station)).all()
    assert {(c.first_day.isoformat(), c.last_day.isoformat()) for c in shown} >= {
        ("2026-10-01", "2026-10-31"), ("2026-10-02", "2026-10-31")}
