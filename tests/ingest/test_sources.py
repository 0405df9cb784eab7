"""A token writes follow-ups only to warnings of its own source, or of sources it was granted.

Two upstream platforms, ``upstream`` and ``partner``, each with a warning.
Whatever a follow-up (attempt, closing outcome, stop-payment) of an
``upstream`` token names, it may not touch ``partner``'s warning unless the
token was created with ``--also-source partner``; the refusal names the
field and says nothing about whether the warning exists.  A rejected record
is replayed with the rights of the token that sent it, whoever replays it.
"""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashboard import migrate
from dashboard.cli import main
from dashboard.commands.rejected import replay
from dashboard.commands.rejected import shown_payload as masked_payload
from dashboard.domain import AuditEntry, Dissuasion, RejectedRecord, StopPayment, Warning
from dashboard.domain.ingest import ApiToken
from dashboard.ingest.file_import import import_file
from dashboard.ingest.tokens import create_token
from tests.ingest.conftest import NOW, city_leader, warning
from tests.ingest.test_file_import import scope_of

RECEIVED = NOW - timedelta(hours=1)


def attempt(i, ref: dict, **fields) -> dict:
    return {"source": "upstream", "external_id": f"A-{i}", "method": "phone", "result": "dissuaded",
            "started_at": NOW.isoformat(), **ref, **fields}


def closing(i, ref: dict) -> dict:
    return attempt(i, ref, outcome="dissuaded_no_loss", loss_avoided=50000)


def stop(i, ref: dict, **fields) -> dict:
    return {"source": "upstream", "external_id": f"S-{i}", "account": "6222021234567890123",
            "bank": "中国工商银行", "reported_at": NOW.isoformat(), "requested_at": NOW.isoformat(),
            "requested_amount": 30000, **ref, **fields}


FOLLOW_UPS = {"attempt": ("outcomes", attempt), "closing": ("outcomes", closing),
              "stop-payment": ("stop-payments", stop)}
# ways of naming partner's warning (or a partner warning that does not exist)
PARTNER_REFS = [
    {"warning_source": "partner", "warning_external_id": "P-1"},
    {"warning_source": " partner ", "warning_external_id": "P-1"},
    {"warning_source": "partner", "warning_external_id": "P-404"},
]


def token_for(engine, source: str, also=()) -> tuple[int, str]:
    with Session(engine) as session, session.begin():
        row, plain = create_token(session, source, also)
        return row.id, plain


def partner_warning(engine) -> tuple:
    with Session(engine) as session:
        w = session.scalar(select(Warning).where(Warning.source == "partner"))
        return w.status, w.version, w.first_contact_at, w.outcome


def counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Dissuasion)),
                session.scalar(select(func.count()).select_from(StopPayment)))


@pytest.fixture
def two_sources(api, units):
    """W-1 of upstream (the api fixture's token) and P-1 of partner (its own token)."""
    assert api.post_batch("warnings", [warning(1, received_at=RECEIVED.isoformat())]).get_json()["inserted"] == 1
    _, partner = token_for(units, "partner")
    body = api.post_batch("warnings", [warning(1, source="partner", external_id="P-1",
                                               received_at=RECEIVED.isoformat())], token=partner)
    assert body.get_json()["inserted"] == 1
    return api


@pytest.mark.parametrize("ref", PARTNER_REFS)
@pytest.mark.parametrize("what", list(FOLLOW_UPS))
def test_a_token_writes_no_follow_up_to_another_sources_warning(two_sources, units, what, ref):
    api = two_sources
    kind, build = FOLLOW_UPS[what]
    before, stored = partner_warning(units), counts(units)
    body = api.post_batch(kind, [build(1, ref)]).get_json()
    [result] = body["results"]
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["warning_source"]
    reason = result["errors"][0]["reason"]  # names what the token may do, never what was sent
    assert "'upstream'" in reason and "partner" not in reason and "P-" not in reason
    assert partner_warning(units) == before and counts(units) == stored
    with Session(units) as session:
        kept = session.scalar(select(RejectedRecord))
        assert (kept.source, kept.token_id) == ("upstream", 1)


def test_the_refusal_does_not_tell_whether_the_warning_exists(two_sources):
    api = two_sources
    answers = [api.post_batch("outcomes", [attempt(i, ref)]).get_json()["results"][0]["errors"]
               for i, ref in enumerate(PARTNER_REFS)]
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize("what", list(FOLLOW_UPS))
def test_follow_ups_of_the_tokens_own_source_still_go_in(two_sources, units, what):
    api = two_sources
    kind, build = FOLLOW_UPS[what]
    implicit = build(1, {"warning_external_id": "W-1"})
    explicit = build(2, {"warning_source": "upstream", "warning_external_id": "W-1"})
    if what == "closing":
        explicit = attempt(2, {"warning_source": "upstream", "warning_external_id": "W-1"})
    body = api.post_batch(kind, [implicit, explicit]).get_json()
    assert body["rejected"] == 0, body


@pytest.mark.parametrize("what", list(FOLLOW_UPS))
def test_a_granted_source_is_followed_by_that_token_alone(two_sources, units, what):
    api = two_sources
    kind, build = FOLLOW_UPS[what]
    _, granted = token_for(units, "upstream", ("partner",))
    _, third = token_for(units, "third", ("upstream",))  # granted upstream, not partner
    body = api.post_batch(kind, [build(1, PARTNER_REFS[0])], token=granted).get_json()
    assert body["inserted"] == 1, body
    assert api.post_batch(kind, [build(2, PARTNER_REFS[0])]).get_json()["rejected"] == 1
    other = build(3, PARTNER_REFS[0])
    other["source"] = "third"
    refused = api.post_batch(kind, [other], token=third).get_json()["results"][0]
    assert refused["errors"][0]["field"] == "warning_source"
    with Session(units) as session:
        stored = session.scalar(select(Warning).where(Warning.source == "partner"))
        assert stored.version > 1 or what == "stop-payment"


def test_a_replay_is_checked_with_the_sending_tokens_source_not_the_admins(two_sources, units):
    api = two_sources
    assert api.post_batch("outcomes", [closing(1, PARTNER_REFS[0])]).get_json()["rejected"] == 1
    before = partner_warning(units)
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        edited = masked_payload(record)
        assert replay(session, city_leader(session), record.id, dict(edited))[1][0]["field"] == "warning_source"
        edited["source"] = "partner"  # the admin cannot move it to another source either
        status, errors = replay(session, city_leader(session), record.id, edited)
        assert status == "rejected" and errors[0]["field"] == "source"
        assert record.status == "open"
    assert partner_warning(units) == before


def test_a_record_claiming_another_source_is_kept_under_the_tokens(two_sources, units):
    api = two_sources
    claim = closing(1, {"warning_external_id": "P-1"})
    claim["source"] = "partner"
    assert api.post_batch("outcomes", [claim]).get_json()["results"][0]["errors"][0]["field"] == "source"
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        assert record.source == "upstream" and json.loads(record.payload)["source"] == "partner"
        status, errors = replay(session, city_leader(session), record.id, masked_payload(record))
        assert status == "rejected" and errors[0]["field"] == "source"
    assert partner_warning(units)[0] == "dispatched"


def test_a_replay_has_the_grants_of_the_token_that_sent_it(two_sources, units):
    api = two_sources
    token_id, granted = token_for(units, "upstream", ("partner",))
    bad = attempt(1, PARTNER_REFS[0], method="carrier_pigeon")
    assert api.post_batch("outcomes", [bad], token=granted).get_json()["rejected"] == 1
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        assert (record.source, record.token_id) == ("upstream", token_id)
        edited = masked_payload(record)
        edited["method"] = "phone"
        assert replay(session, city_leader(session), record.id, edited) == ("inserted", [])


def test_a_kept_record_without_its_token_is_held_to_its_source_alone(two_sources, units):
    """Rows kept before tokens were noted (token_id empty) replay as their source, with no grants."""
    with Session(units) as session, session.begin():
        session.add(RejectedRecord(kind="outcomes", source="upstream", external_id="A-9", batch="old",
                                   position=0, received_at=NOW,
                                   payload=json.dumps(attempt(9, PARTNER_REFS[0])),
                                   errors="[]", status="open"))
    with Session(units) as session, session.begin():
        record = session.scalar(select(RejectedRecord))
        status, errors = replay(session, city_leader(session), record.id, masked_payload(record))
        assert status == "rejected" and errors[0]["field"] == "warning_source"


def test_a_file_import_under_a_source_has_the_same_rule(two_sources, units, tmp_path):
    header = ["source", "external_id", "warning_source", "warning_external_id", "method", "result",
              "started_at"]
    path = tmp_path / "outcomes.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerow(["upstream", "F-1", "partner", "P-1", "phone", "no_answer", NOW.isoformat()])
    summary = import_file(scope_of(units), path, source="upstream", actor="cli:test")
    assert summary.counts["rejected"] == 1
    assert "warning_source" in (tmp_path / "outcomes.rejected.csv").read_text(encoding="utf-8-sig")
    summary = import_file(scope_of(units), path, source="upstream", also_sources=("partner",),
                          actor="cli:test")
    assert summary.counts["inserted"] == 1


def test_create_token_grants_are_stored_listed_and_audited(units, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", units.url.render_as_string(hide_password=False))
    assert main(["create-token", "--source", "upstream", "--also-source", "partner",
                 "--also-source", "partner", "--also-source", "upstream"]) == 0
    assert "follow-ups also of partner" in capsys.readouterr().out
    assert main(["list-tokens"]) == 0
    assert "also partner" in capsys.readouterr().out
    with Session(units) as session:
        token = session.scalar(select(ApiToken))
        assert token.granted_sources == ("partner",)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "token_created"))
        assert entry.object == f"api_token:{token.id}"
        assert json.loads(entry.detail) == {"source": "upstream", "also_sources": ["partner"]}
    assert main(["create-token", "--source", "upstream", "--also-source", "no spaces"]) == 2
    assert "--also-source" in capsys.readouterr().err


def test_the_migration_gives_open_rejected_records_their_tokens_source(engine):
    """Records an API token sent before 0018 kept the source they claimed; the audit log knows the token's."""
    migrate.downgrade(engine, "0017")
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO audit_entries (id, at, username, action, object, outcome, prev_hash, hash) "
                "VALUES (1, :at, 'token:upstream', 'ingest_batch', 'batch:abcdefgh', 'success', 'x', 'h1')"),
                {"at": NOW.replace(tzinfo=None)})
            for i, (source, batch, status) in enumerate((("partner", "abcdefgh", "open"),
                                                         ("partner", "abcdefgh", "replayed"),
                                                         ("other", "file:qrstuvwx", "open"))):
                conn.execute(text(
                    "INSERT INTO rejected_records (id, kind, source, batch, position, received_at, "
                    "payload, errors, status) VALUES (:id, 'outcomes', :source, :batch, :id, :at, "
                    "'{}', '[]', :status)"),
                    {"id": i + 1, "source": source, "batch": batch, "at": NOW.replace(tzinfo=None),
                     "status": status})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, source, token_id FROM rejected_records ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "upstream", None), (2, "partner", None),
                                            (3, "other", None)]
    finally:
        migrate.upgrade(engine)  # the next test's reset empties the tables
