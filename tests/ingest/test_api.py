"""The ingest API: tokens, validation with named fields, partial batches, idempotence, routing."""

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain import AuditEntry, Dissuasion, RejectedRecord, StopPayment, Warning
from dashboard.domain import personal_data as crypto
from dashboard.domain.aggregates import AGGREGATE_MODELS
from dashboard.ingest.tokens import revoke_token
from tests.ingest.conftest import NOW, warning


def count(engine, model):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_no_token_no_entry_and_no_browser_session(api, units):
    assert api.post_batch("warnings", [warning(1)], token=None).status_code == 401
    assert api.post_batch("warnings", [warning(1)], token="afd_forged").status_code == 401
    assert count(units, Warning) == 0


def test_revoked_token_is_refused(api, units):
    with Session(units) as session, session.begin():
        revoke_token(session, 1)
    assert api.post_batch("warnings", [warning(1)]).status_code == 401


def test_token_does_not_open_pages(api):
    response = api.get("/_dash-layout", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code in (302, 401)


def test_duplicate_batch_twice_leaves_counts_unchanged(api, units):
    batch = [warning(i) for i in range(20)]
    first = api.post_batch("warnings", batch).get_json()
    assert first["inserted"] == 20
    aggregates = {m.__table__.name: count(units, m) for m in AGGREGATE_MODELS}
    second = api.post_batch("warnings", batch).get_json()
    assert second["duplicate"] == 20 and second["inserted"] == 0
    assert count(units, Warning) == 20
    assert {m.__table__.name: count(units, m) for m in AGGREGATE_MODELS} == aggregates


def test_three_bad_records_of_a_hundred(api, units):
    batch = [warning(i) for i in range(100)]
    batch[7]["risk_level"] = "extreme"
    batch[42]["amount_at_risk"] = -5
    batch[99]["person"]["phone"] = "12345"
    body = api.post_batch("warnings", batch).get_json()
    assert (body["inserted"], body["rejected"]) == (97, 3)
    rejected = {r["index"]: r["errors"] for r in body["results"] if r["status"] == "rejected"}
    assert set(rejected) == {7, 42, 99}
    assert rejected[7][0]["field"] == "risk_level" and "unknown code" in rejected[7][0]["reason"]
    assert rejected[42][0]["field"] == "amount_at_risk"
    assert rejected[99][0]["field"] == "person.phone"
    assert count(units, Warning) == 97
    with Session(units) as session:
        kept = session.scalars(select(RejectedRecord).order_by(RejectedRecord.position)).all()
        assert [r.position for r in kept] == [7, 42, 99]
        assert json.loads(kept[0].payload)["risk_level"] == "extreme"
        stored = session.execute(select(RejectedRecord.payload).limit(1)).scalar()
        assert stored is not None


def test_changed_record_under_the_same_id(api, units):
    api.post_batch("warnings", [warning(1)])
    regraded = api.post_batch("warnings", [warning(1, risk_level="medium", amount_at_risk=90000)]).get_json()
    assert regraded["updated"] == 1
    moved = api.post_batch("warnings", [warning(1, fraud_type="fake_loan")]).get_json()
    assert moved["rejected"] == 1 and moved["results"][0]["errors"][0]["field"] == "fraud_type"
    with Session(units) as session:
        stored = session.scalar(select(Warning))
        assert (stored.risk_level, stored.amount_at_risk, stored.fraud_type) == ("medium", 90000, "investment")


def test_point_routes_to_the_station_whose_precinct_contains_it(api, units):
    with Session(units) as session:
        from dashboard.domain import OrgUnit
        station = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020603"))
        lon, lat = station.centroid_lon, station.centroid_lat
    record = warning(5, lon=lon, lat=lat)
    del record["station_code"]
    body = api.post_batch("warnings", [record]).get_json()
    assert body["inserted"] == 1
    with Session(units) as session:
        stored = session.scalar(select(Warning))
        assert stored.station_id == station.id and stored.county_id == station.parent_id
    sea = warning(6, lon=119.5, lat=24.0)
    del sea["station_code"]
    assert api.post_batch("warnings", [sea]).get_json()["results"][0]["errors"][0]["field"] == "lon"


def test_outcomes_close_the_warning_and_stop_payments_progress(api, units):
    api.post_batch("warnings", [warning(1)])
    attempt = {"source": "upstream", "external_id": "A-1", "warning_external_id": "W-1",
               "method": "phone", "result": "no_answer", "started_at": NOW.isoformat()}
    closing = {**attempt, "external_id": "A-2", "method": "door_visit", "result": "dissuaded",
               "outcome": "dissuaded_no_loss", "loss_avoided": 50000}
    body = api.post_batch("outcomes", [attempt, closing]).get_json()
    assert body["inserted"] == 2
    assert api.post_batch("outcomes", [closing]).get_json()["duplicate"] == 1
    late = {**closing, "external_id": "A-3", "outcome": "defrauded"}
    assert api.post_batch("outcomes", [late]).get_json()["results"][0]["errors"][0]["field"] == "outcome"
    with Session(units) as session:
        stored = session.scalar(select(Warning))
        assert (stored.status, stored.outcome, stored.loss_avoided) == ("closed", "dissuaded_no_loss", 50000)
        assert stored.first_contact_at is not None
        assert session.scalar(select(func.count()).select_from(Dissuasion)) == 2

    stop = {"source": "upstream", "external_id": "S-1", "warning_external_id": "W-1",
            "account": "6222021234567890123", "bank": "中国工商银行",
            "reported_at": NOW.isoformat(), "requested_at": NOW.isoformat(), "requested_amount": 30000}
    assert api.post_batch("stop-payments", [stop]).get_json()["inserted"] == 1
    stopped = {**stop, "stopped_at": NOW.isoformat(), "stopped_amount": 20000}
    assert api.post_batch("stop-payments", [stopped]).get_json()["updated"] == 1
    shrunk = {**stopped, "requested_amount": 10}
    assert api.post_batch("stop-payments", [shrunk]).get_json()["rejected"] == 1
    with Session(units) as session:
        assert session.scalar(select(StopPayment.stopped_amount)) == 20000


def test_malformed_bodies_are_400_with_a_field(api):
    assert api.post("/api/v1/warnings", data="not json", content_type="application/json",
                    headers={"Authorization": f"Bearer {api.token}"}).status_code == 400
    response = api.post_batch("warnings", {"not": "a list"})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "body"
    assert api.post_batch("warnings", []).status_code == 400
    assert api.post_batch("warnings", [warning(i) for i in range(5001)]).status_code == 400


def test_a_token_only_ingests_its_own_source(api, units):
    body = api.post_batch("warnings", [warning(1, source="other")]).get_json()
    assert body["results"][0]["errors"][0]["field"] == "source"
    assert count(units, Warning) == 0


def test_every_batch_is_audited(api, units):
    api.post_batch("warnings", [warning(1)])
    with Session(units) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "ingest_batch"))
        assert entry is not None and "inserted" in entry.detail


def test_openapi_describes_every_ingest_route(api):
    """Every API route but the document itself, with exactly the methods it serves."""
    doc = api.get("/api/v1/openapi.json").get_json()
    assert set(doc["paths"]) == {"/api/v1/warnings", "/api/v1/outcomes", "/api/v1/stop-payments",
                                 "/api/v1/stats"}
    assert "WarningIn" in doc["components"]["schemas"]
    served = {}
    for rule in api.application.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.endpoint.endswith(("_methods", ".openapi")):
            for kind in ("warnings", "outcomes", "stop-payments"):
                path = rule.rule.replace("<any(warnings, outcomes, 'stop-payments'):kind>", kind)
                served[path] = {m.lower() for m in rule.methods} - {"head", "options"}
    assert {path: set(item) for path, item in doc["paths"].items()} == served


def test_an_ingested_warning_is_stored_as_the_model_stores_it(api, units):
    """Personal data sealed and times in Shanghai wall time, whichever way the batch is written."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    utc = (NOW - timedelta(hours=1)).astimezone(UTC).isoformat()  # sent in UTC
    assert api.post_batch("warnings", [warning(7, received_at=utc)]).get_json()["inserted"] == 1
    with Session(units) as session:
        stored = session.scalar(select(Warning))
        assert stored.person_phone == "13800000007" and stored.person_name == "王芳"
        assert stored.received_at == NOW - timedelta(hours=1)
        raw = session.execute(text("SELECT person_phone, person_id_number, received_at FROM warnings")).one()
    assert raw.person_phone.startswith(crypto.PREFIX) and "13800000007" not in raw.person_phone
    assert raw.person_id_number.startswith(crypto.PREFIX)
    received = raw.received_at if isinstance(raw.received_at, datetime) else datetime.fromisoformat(raw.received_at)
    assert received == stored.received_at.replace(tzinfo=None)  # naive Shanghai wall time on disk
    assert received.hour == (NOW - timedelta(hours=1)).hour  # NOW is Shanghai time; UTC was sent


def test_the_aggregates_an_ingest_keeps_equal_a_rebuild_from_the_rows(api, units):
    """New warnings counted from the values they were inserted with count as the stored rows do.

    Half the times are sent in UTC, so the day and hour buckets rest on the conversion to Shanghai.
    """
    from datetime import UTC, timedelta

    from dashboard.aggregates import rebuild

    later = NOW + timedelta(minutes=3)
    sent = [NOW - timedelta(hours=i) for i in range(30)]
    batch = [warning(i, received_at=(sent[i] if i % 2 else sent[i].astimezone(UTC)).isoformat(),
                     amount_at_risk=1000 * i,
                     fraud_type=("investment", "fake_loan")[i % 2], station_code=("35020301", "35020302")[i % 2])
             for i in range(30)]
    assert api.post_batch("warnings", batch).get_json()["inserted"] == 30
    closing = {"source": "upstream", "external_id": "A-1", "warning_external_id": "W-3", "method": "door_visit",
               "result": "dissuaded", "started_at": later.isoformat(), "outcome": "dissuaded_no_loss",
               "loss_avoided": 700}
    assert api.post_batch("outcomes", [closing]).get_json()["inserted"] == 1
    stop = {"source": "upstream", "external_id": "S-1", "warning_external_id": "W-4",
            "account": "6222021234567890123", "bank": "中国工商银行", "reported_at": NOW.isoformat(),
            "requested_at": NOW.isoformat(), "requested_amount": 30000, "stopped_at": later.isoformat(),
            "stopped_amount": 20000}
    assert api.post_batch("stop-payments", [stop]).get_json()["inserted"] == 1

    def tables() -> dict:
        with Session(units) as session:
            return {m.__table__.name: sorted(tuple(r) for r in session.execute(select(m.__table__)))
                    for m in AGGREGATE_MODELS}

    kept = tables()
    assert sum(len(rows) for rows in kept.values()) > 30
    with Session(units) as session, session.begin():
        rebuild(session.connection())
    assert tables() == kept
