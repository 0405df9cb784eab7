"""Every time of every record type keeps its bounds, on every path that writes it, and never a 500.

The bounds (``dashboard.domain.times``): a time zone; convertible to Shanghai
time; not before 2000; not more than ``MAX_FUTURE_MINUTES`` ahead; a
follow-up never before its warning's ``received_at``.  Each case is sent
through the API as one record of a batch: it must be rejected naming its
field, kept with the rejected records, and nothing of it stored.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.commands.rejected import replay
from dashboard.commands.rejected import shown_payload as masked_payload
from dashboard.domain import Dissuasion, RejectedRecord, StopPayment, Warning
from dashboard.domain.base import now_local
from dashboard.domain.times import EARLIEST, TimeRefused, to_shanghai
from dashboard.ingest.batch import ingest_batch
from dashboard.ingest.file_import import import_file
from dashboard.ingest.tokens import Sender, create_token
from tests.ingest.conftest import NOW, city_leader, warning
from tests.ingest.test_file_import import HEADER, row, scope_of, write_csv

RECEIVED = NOW - timedelta(hours=1)  # the warning W-1 that the follow-ups name
MODELS = {"warnings": Warning, "outcomes": Dissuasion, "stop-payments": StopPayment}
# the times of each kind in the order the record keeps them (each not before the one before)
CHAINS = {
    "warnings": ("received_at",),
    "outcomes": ("started_at", "ended_at", "closed_at"),
    "stop-payments": ("reported_at", "requested_at", "stopped_at", "frozen_at", "returned_at"),
}
# values no clock can make right: refused by the schema, naming the field
UNREADABLE = {
    "year 1 at +14:00 (overflows)": "0001-01-01T00:00:00+14:00",
    "year 1 at +23:59 (overflows)": "0001-01-01T05:00:00+23:59",
    "year 1 in UTC": "0001-01-01T00:00:00Z",
    "year 1 at -12:00": "0001-01-01T00:00:00-12:00",
    "year 9999 at -12:00 (overflows)": "9999-12-31T23:59:59-12:00",
    "year 9999 at -23:59 (overflows)": "9999-12-31T20:00:00-23:59",
    "year 9999 in Shanghai": "9999-12-31T23:59:59+08:00",
    "year 9999 at +14:00": "9999-12-31T23:59:59+14:00",
    "a second before 2000 in Shanghai": "1999-12-31T23:59:59+08:00",
    "1999 in UTC, still 1999 in Shanghai": "1999-12-31T15:59:59Z",
    "naive": "2026-11-22T10:00:00",
    "naive with a space": "2026-11-22 10:00:00",
    "a date only": "2026-11-22",
    "words": "yesterday",
    "epoch seconds of year 1": -62135596800,
    "a huge number": 10**20,
    "a boolean": True,
}


def base(kind: str, i: int) -> dict:
    """A valid record of ``kind`` with id ``i``; follow-ups name W-1, received an hour ago."""
    at = {n: (NOW - timedelta(minutes=40 - 2 * k)).isoformat() for k, n in enumerate(CHAINS[kind])}
    if kind == "warnings":
        return warning(1000 + i)
    if kind == "outcomes":
        return {"source": "upstream", "external_id": f"A-{i}", "warning_external_id": "W-1",
                "method": "phone", "result": "dissuaded", "outcome": "dissuaded_no_loss", **at}
    return {"source": "upstream", "external_id": f"S-{i}", "warning_external_id": "W-1",
            "account": "6222021234567890123", "bank": "中国工商银行", "requested_amount": 30000,
            "stopped_amount": 30000, "frozen_amount": 30000, "returned_amount": 20000, **at}


def cases(kind: str, now: datetime) -> list[tuple[str, dict, set[str]]]:
    """(label, record, the fields it breaks): every field, every way."""
    chain = CHAINS[kind]
    out = []
    for position, name in enumerate(chain):
        later, earlier = chain[position:], chain[:position + 1]
        for label, value in UNREADABLE.items():
            out.append((f"{name}: {label}", {name: value}, {name}))
        # the future: this time and all after it, so that the record's own order holds
        for minutes in (6, 60 * 24 * 365):
            ahead = now + timedelta(minutes=minutes)
            for zone in (timezone(timedelta(hours=-12)), UTC, timezone(timedelta(hours=14))):
                out.append((f"{name}: {minutes} min ahead at {zone}",
                            dict.fromkeys(later, ahead.astimezone(zone).isoformat()), set(later)))
        if kind != "warnings":  # before the warning: this time and all before it
            before = (RECEIVED - timedelta(seconds=1)).astimezone(UTC).isoformat()
            out.append((f"{name}: a second before the warning", dict.fromkeys(earlier, before),
                        set(earlier)))
    return out


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def with_warning(api, units):
    assert api.post_batch("warnings", [warning(1, received_at=RECEIVED.isoformat())]).get_json()["inserted"] == 1
    return api


@pytest.mark.parametrize("kind", list(CHAINS))
def test_every_time_out_of_bounds_is_rejected_by_field_and_kept(with_warning, units, kind):
    api = with_warning
    battery = cases(kind, now_local())
    records = []
    for i, (_, change, _) in enumerate(battery):
        record = base(kind, i)
        record.update(change)
        records.append(record)
    before = count(units, MODELS[kind])
    response = api.post_batch(kind, records)
    assert response.status_code == 200, response.data[:500]
    results = response.get_json()["results"]
    for (label, _, broken), result in zip(battery, results, strict=True):
        assert result["status"] == "rejected", label
        fields = {e["field"] for e in result["errors"]}
        assert fields and fields <= broken, (label, result["errors"])
        assert all(e["reason"] for e in result["errors"]), label
    assert count(units, MODELS[kind]) == before
    with Session(units) as session:
        kept = session.scalars(select(RejectedRecord).where(RejectedRecord.kind == kind)).all()
        assert len(kept) == len(battery)
        assert {json.loads(r.errors)[0]["field"] for r in kept} <= set(CHAINS[kind])


@pytest.mark.parametrize("kind", list(CHAINS))
def test_times_at_the_edges_of_the_bounds_are_accepted(with_warning, units, kind):
    """The warning's own moment, 2000-01-01 00:00 Shanghai, and a few minutes ahead are fine."""
    api = with_warning
    record = base(kind, 900)
    if kind == "warnings":
        edges = [EARLIEST.astimezone(UTC).isoformat(),  # 1999-12-31T16:00:00Z
                 (now_local() + timedelta(minutes=3)).astimezone(timezone(timedelta(hours=-12))).isoformat()]
        batch = [{**warning(900 + i), "received_at": at} for i, at in enumerate(edges)]
    else:
        at = RECEIVED.astimezone(timezone(timedelta(hours=-9, minutes=-30))).isoformat()
        batch = [{**record, **dict.fromkeys(CHAINS[kind], at)}]
    body = api.post_batch(kind, batch).get_json()
    assert body["rejected"] == 0, body


def test_the_future_allowance_is_the_setting(units, tmp_path):
    from dashboard import create_app

    url = units.url.render_as_string(hide_password=False)
    ahead = (now_local() + timedelta(minutes=30)).isoformat()
    for minutes, status in ((60, "inserted"), (5, "rejected"), (0, "rejected")):
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                          "MAX_FUTURE_MINUTES": minutes})
        with Session(units) as session, session.begin():
            _, token = create_token(session, "upstream")
        answer = app.test_client().post("/api/v1/warnings", headers={"Authorization": f"Bearer {token}"},
                                        json=[warning(minutes, received_at=ahead)]).get_json()
        assert answer["results"][0]["status"] == status, (minutes, answer)
        if status == "rejected":
            assert answer["results"][0]["errors"][0]["field"] == "received_at"
    for wrong in (-1, 100_000, "soon"):
        with pytest.raises(ValueError, match="MAX_FUTURE_MINUTES"):
            create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "TESTING": True,
                        "MAX_FUTURE_MINUTES": wrong})


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m)))
# any moment, with the first and last days of the calendar drawn often: the overflow is there
moments = st.one_of(st.datetimes(), st.datetimes(max_value=datetime(1, 1, 2)),
                    st.datetimes(min_value=datetime(9999, 12, 30)))
any_time = st.builds(lambda moment, zone: moment.replace(tzinfo=zone).isoformat(), moments, offsets)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(list(CHAINS)), data=st.data())
def test_any_time_in_any_field_is_stored_within_bounds_or_rejected_never_raised(units, kind, data):
    """Straight through ``ingest_batch`` (the API, file import and replay all call it)."""
    chain = CHAINS[kind]
    fields = data.draw(st.lists(st.sampled_from(chain), min_size=1, unique=True))
    record = base(kind, data.draw(st.integers(0, 10**6)))
    for name in fields:
        record[name] = data.draw(any_time)
    with Session(units) as session, session.begin():
        if kind != "warnings":
            ingest_batch(session, "warnings", [warning(1, received_at=RECEIVED.isoformat())],
                         sender=Sender("upstream"))
        [result] = ingest_batch(session, kind, [record], sender=Sender("upstream")).results
        if result.status == "rejected":
            assert {e["field"] for e in result.errors} <= set(chain) | {"record"}, result.errors
        else:
            stored = session.get(MODELS[kind], result.id)
            latest = now_local() + timedelta(minutes=5)
            for name in chain:
                value = getattr(stored, name)
                assert value is None or EARLIEST <= value <= latest
                if kind != "warnings" and value is not None:
                    assert value >= RECEIVED
        session.rollback()


@given(moment=moments, zone=offsets)
def test_to_shanghai_converts_or_refuses_naming_the_field(moment, zone):
    try:
        converted = to_shanghai(moment.replace(tzinfo=zone), "reported_at")
    except TimeRefused as refused:
        assert refused.field == "reported_at" and refused.code in ("out_of_range", "too_early")
        return
    assert converted >= EARLIEST and converted == moment.replace(tzinfo=zone)


def test_a_replayed_record_is_held_to_the_same_bounds(with_warning, units):
    api = with_warning
    bad = base("stop-payments", 1)
    bad["reported_at"] = "0001-01-01T00:00:00+14:00"
    assert api.post_batch("stop-payments", [bad]).get_json()["rejected"] == 1
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        edited = masked_payload(record)
        edited["reported_at"] = (RECEIVED - timedelta(minutes=1)).isoformat()  # before the warning
        status, errors = replay(session, city_leader(session), record.id, edited)
        assert status == "rejected" and errors[0]["field"] == "reported_at"
        edited["reported_at"] = RECEIVED.isoformat()
        assert replay(session, city_leader(session), record.id, edited) == ("inserted", [])
    assert count(units, StopPayment) == 1


def test_a_file_import_is_held_to_the_same_bounds(units, tmp_path):
    lines = [row(0), row(1), row(2), row(3)]
    lines[0][HEADER.index("received_at")] = "0001-01-01T00:00:00+14:00"
    lines[1][HEADER.index("received_at")] = "9999-12-31T23:59:59-12:00"
    lines[2][HEADER.index("received_at")] = (now_local() + timedelta(hours=1)).isoformat()
    summary = import_file(scope_of(units), write_csv(tmp_path / "w.csv", lines), actor="cli:test")
    assert summary.counts["rejected"] == 3 and summary.counts["inserted"] == 1
    with (tmp_path / "w.rejected.csv").open(encoding="utf-8-sig") as fh:
        assert [r["field"] for r in csv.DictReader(fh)] == ["received_at"] * 3
