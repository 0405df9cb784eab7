"""Personal data at rest: every column a person or a feed fills is sealed in the database, on every
path that writes it (API, station form, tasks, bulk loads), and reads back clear through the models."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import String, Text, select, text
from sqlalchemy.orm import Session

from dashboard.commands.record_attempt import RecordAttempt
from dashboard.commands.tasks import Acknowledge, Complete, IssueTask, Reject
from dashboard.domain import Base, StopPayment, Task, TaskEvent, Warning
from dashboard.domain.personal_data import EncryptedString
from dashboard.ingest.bulk import UnsealedColumn, insert_frame
from tests.ingest.conftest import NOW, user, warning

# the columns that hold personal data or free text, all sealed (AES-GCM, ``pd1:``)
SEALED = {
    ("warnings", "person_name"), ("warnings", "person_phone"), ("warnings", "person_id_number"),
    ("warnings", "person_bank_account"), ("dissuasions", "note"), ("stop_payments", "account"),
    ("tasks", "title"), ("tasks", "instructions"), ("tasks", "status_note"), ("tasks", "result_note"),
    ("task_events", "note"), ("rejected_records", "payload"), ("users", "totp_secret"),
}
# every other text column, and why it is not personal: a new text column must be placed here or
# sealed, on purpose
PLAIN = {
    "codes": {("warnings", c) for c in ("fraud_type", "risk_level", "channel", "status", "outcome")}
    | {("dissuasions", c) for c in ("method", "result")}
    | {("tasks", c) for c in ("kind", "priority", "status", "escalated_for")}
    | {("task_events", c) for c in ("action", "from_status", "to_status")}
    | {("cases", "status"), ("cases", "fraud_type"), ("publicity_events", "kind"),
       ("rejected_records", "kind"), ("rejected_records", "status"), ("users", "role"),
       ("dissuasion_playbooks", "fraud_type"),
       ("users", "language"), ("audit_entries", "role"), ("audit_entries", "action"),
       ("audit_entries", "outcome")},
    "record keys (pattern-checked; grouped and refused when they hold a personal number)": {
        (t, c) for t in ("warnings", "dissuasions", "stop_payments", "rejected_records", "warning_keys",
                         "dissuasion_keys")
        for c in ("source", "external_id")} | {("rejected_records", "batch"), ("cases", "number"),
                                                ("feed_arrivals", "source")},
    "police work data, refused when it holds a personal number": {
        ("dissuasions", "officer"), ("stop_payments", "bank"), ("users", "display_name"),
        ("users", "username"), ("dissuasion_playbooks", "talking_points_zh"),
        ("dissuasion_playbooks", "talking_points_en")},
    "errors, never an input value (and personal numbers masked)": {("rejected_records", "errors")},
    "column names mapped by a file import (refused when they hold a personal number)": {
        ("import_header_maps", c) for c in ("source", "header", "field")},
    "web file imports: names and choices (a file name holding a personal number is refused), "
    "states, and errors that never hold a cell": {
        ("import_jobs", c) for c in ("file_name", "stored_name", "kind", "source", "timezone",
                                     "language", "maps", "encoding", "delimiter", "state", "batch",
                                     "error", "refused_name")},
    "units and reference lists": {("org_units", c) for c in ("code", "name_zh", "name_en", "path",
                                                             "geometry", "level")},
    "secrets stored hashed or sealed by their own module": {
        ("users", "password_hash"), ("user_sessions", "id"),
        ("api_tokens", "token_hash"), ("api_tokens", "hint"), ("api_tokens", "source"),
        ("api_tokens", "also_sources")},
    "accounts and the security policy (usernames, setting names and values)": {
        ("users", "created_by"), ("users", "role_granted_by"), ("security_policy", "name"),
        ("security_policy", "value"), ("security_policy", "changed_by")},
    "the audit trail (no personal data by its own rule)": {
        ("audit_entries", c) for c in ("username", "object", "source_address", "detail", "prev_hash",
                                       "hash")} | {("audit_head", "last_hash")},
    "the release ledger: aggregate cells of de-identified statistics, keyed by reader and unit": {
        ("statistics_releases", c) for c in ("recipient", "request_key", "values_key", "statuses")}
    | {("released_cells", c) for c in ("recipient", "unit_code", "measure")},
    "addresses and leases": {("user_sessions", "end_reason")}
    | {("login_attempts", "source_address"), ("job_leases", "name"), ("job_leases", "holder")},
}


def _text_columns():
    for table in Base.metadata.sorted_tables:
        if table.name.startswith("agg_"):  # sums by unit and code
            continue
        for column in table.columns:
            if isinstance(column.type, String | Text | EncryptedString):
                yield table, column


def test_every_text_column_is_sealed_or_known_not_to_be_personal():
    plain = set().union(*PLAIN.values())
    sealed = {(t.name, c.name) for t, c in _text_columns() if isinstance(c.type, EncryptedString)}
    assert sealed == SEALED
    assert plain <= {(t.name, c.name) for t, c in _text_columns()}  # the list names real columns
    unclassified = {(t.name, c.name) for t, c in _text_columns()
                    if (t.name, c.name) not in SEALED and (t.name, c.name) not in plain
                    and not _reference_table(t)}
    assert unclassified == set()


def _reference_table(table) -> bool:
    from dashboard.domain.reference import REFERENCE_MODELS

    return table.name in {m.__tablename__ for m in REFERENCE_MODELS}


def _raw(engine, table: str, column: str) -> list[str]:
    with engine.connect() as conn:
        return [v for (v,) in conn.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))]


def _assert_sealed(engine, table: str, column: str, clear: str) -> None:
    values = _raw(engine, table, column)
    assert values, f"{table}.{column} holds nothing to check"
    for value in values:
        assert value.startswith("pd1:") and clear not in value, (table, column, value)


NAME, NOTE = "欧阳娜娜", "欧阳娜娜住湖滨南路88号，已上门"
TITLE, INSTRUCTIONS, REASON, RESULT = "核查欧阳娜娜线索", "到湖滨南路88号找欧阳娜娜", "不在辖区", "已见到欧阳娜娜"
ACCOUNT = "6222021234567891234"


def test_every_path_writes_personal_data_sealed(api, staff):
    stop = {"source": "upstream", "external_id": "S-1", "warning_external_id": "W-1",
            "account": ACCOUNT, "bank": "工商银行", "reported_at": NOW.isoformat(),
            "requested_at": NOW.isoformat(), "requested_amount": 5000}
    attempt = {"source": "upstream", "external_id": "A-1", "warning_external_id": "W-1",
               "method": "phone", "result": "no_answer", "started_at": NOW.isoformat(), "note": NOTE}
    for kind, records in (("warnings", [warning(1, person={"name": NAME})]), ("outcomes", [attempt]),
                          ("stop-payments", [stop])):
        assert api.post_batch(kind, records).get_json()["inserted"] == 1
    with Session(staff) as session, session.begin():
        warning_id = session.scalar(select(Warning.id))
        RecordAttempt(user(session, "officer"), warning_id, None, method="phone", result="no_answer",
                      note=NOTE).run(session)
        commander, officer = user(session, "commander"), user(session, "officer")
        first, second = (IssueTask(commander, "clue_verification", "normal", TITLE, ["35020301"],
                                   instructions=INSTRUCTIONS).run(session)[0] for _ in range(2))
        Reject(officer, first.id, note=REASON).run(session)
        Acknowledge(officer, second.id).run(session)
        Complete(officer, second.id, note=RESULT).run(session)

    engine = staff
    for table, column, clear in (("warnings", "person_name", NAME), ("dissuasions", "note", NOTE),
                                 ("stop_payments", "account", ACCOUNT), ("tasks", "title", TITLE),
                                 ("tasks", "instructions", INSTRUCTIONS), ("tasks", "status_note", REASON),
                                 ("tasks", "result_note", RESULT), ("task_events", "note", REASON)):
        _assert_sealed(engine, table, column, clear)
    with Session(engine) as session:  # and the models read them back
        assert session.scalar(select(Warning.person_name)) == NAME
        assert session.scalar(select(StopPayment.account)) == ACCOUNT
        assert set(session.scalars(select(Task.title))) == {TITLE}
        assert set(session.scalars(select(TaskEvent.note).where(TaskEvent.note.is_not(None)))) == {
            REASON, RESULT}


def test_the_demo_history_is_sealed(seeded_engine):
    for table, column in sorted(SEALED - {("rejected_records", "payload"), ("dissuasions", "note"),
                                          ("tasks", "result_note"), ("users", "totp_secret")}):
        values = _raw(seeded_engine, table, column)
        assert values and all(v.startswith("pd1:") for v in values), (table, column)


@pytest.mark.parametrize("column", ["person_name", "person_phone"])
def test_a_bulk_load_refuses_a_clear_value(engine, column):
    frame = pd.DataFrame({"id": [1], column: ["欧阳娜娜" if column == "person_name" else "13912345678"]})
    with engine.begin() as conn, pytest.raises(UnsealedColumn):
        insert_frame(conn, Warning.__table__, frame)
