"""Migration 0019 seals the stored names, stop-payment accounts and free text in place, with the
format and key the app reads; going down opens them again; it imports nothing of the app."""

from __future__ import annotations

import ast
from datetime import datetime

from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import Session

from dashboard import migrate
from dashboard.domain import Dissuasion, StopPayment, Task, TaskEvent, Warning
from dashboard.paths import PACKAGE_DIR

AT = datetime(2026, 11, 3, 9, 30)
NAME = "欧阳" + "娜" * 60  # sealed, far longer than the 80 characters the column had
NAME2 = "欧阳娜"  # written by the app after the upgrade
NOTE, ACCOUNT = "欧阳娜娜住湖滨南路88号", "6222021234567891234"
TITLE, INSTRUCTIONS, REASON, RESULT = "核查欧阳娜娜线索", "到湖滨南路找她", "不在辖区", "已见到本人"
MIGRATION = PACKAGE_DIR / "migrations" / "versions" / "0019_personal_data_at_rest.py"
COLUMNS = (("warnings", "person_name", NAME), ("dissuasions", "note", NOTE),
           ("stop_payments", "account", ACCOUNT), ("tasks", "title", TITLE),
           ("tasks", "instructions", INSTRUCTIONS), ("tasks", "status_note", REASON),
           ("tasks", "result_note", RESULT), ("task_events", "note", REASON))


def _rows(conn) -> None:
    """One row of each table 0019 seals, in clear as revision 0018 stored them."""
    tables = MetaData()
    tables.reflect(conn)
    units = [(1, "990000", "city", None, "990000"), (2, "990001", "county", 1, "990000/990001"),
             (3, "99000101", "station", 2, "990000/990001/99000101")]
    for unit_id, code, level, parent, path in units:
        conn.execute(tables.tables["org_units"].insert().values(
            id=unit_id, code=code, name_zh=code, name_en=code, level=level, parent_id=parent, path=path))
    conn.execute(tables.tables["warnings"].insert().values(
        id=1, source="m", external_id="M-1", received_at=AT, fraud_type="investment", risk_level="high",
        channel="call", person_name=NAME, county_id=2, station_id=3, status="dispatched",
        deadline_at=AT, amount_at_risk=0, loss=0, loss_avoided=0, version=1))
    conn.execute(tables.tables["dissuasions"].insert(), [
        {"id": 1, "warning_id": 1, "method": "phone", "started_at": AT, "result": "no_answer", "note": NOTE},
        {"id": 2, "warning_id": 1, "method": "phone", "started_at": AT, "result": "no_answer", "note": None}])
    conn.execute(tables.tables["stop_payments"].insert().values(
        id=1, county_id=2, station_id=3, account=ACCOUNT, bank="工商银行", reported_at=AT, requested_at=AT,
        requested_amount=1, stopped_amount=0, frozen_amount=0, returned_amount=0))
    conn.execute(tables.tables["tasks"].insert().values(
        id=1, kind="clue_verification", priority="normal", title=TITLE, instructions=INSTRUCTIONS,
        issuing_unit_id=2, target_unit_id=3, status="done", status_note=REASON, created_at=AT,
        ack_deadline_at=AT, deadline_at=AT, result_note=RESULT, version=1))
    conn.execute(tables.tables["task_events"].insert().values(
        id=1, task_id=1, at=AT, action="reject", to_status="rejected", note=REASON))


def _raw(engine) -> dict[tuple[str, str], list]:
    with engine.connect() as conn:
        return {(t, c): [v for (v,) in conn.execute(text(f"SELECT {c} FROM {t} ORDER BY id"))]
                for t, c, _ in COLUMNS}


def _clean(engine) -> None:
    with engine.begin() as conn:
        for table in ("task_events", "tasks", "stop_payments", "dissuasions", "warnings", "org_units"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_0019_seals_stored_rows_in_place_and_going_down_opens_them(engine):
    migrate.downgrade(engine, "0018")
    try:
        with engine.begin() as conn:
            _rows(conn)
        migrate.upgrade(engine)
        raw = _raw(engine)
        for table, column, clear in COLUMNS:
            stored = raw[(table, column)][0]
            assert stored.startswith("pd1:") and clear not in stored, (table, column)
        assert raw[("dissuasions", "note")][1] is None  # nothing to seal stays nothing
        with Session(engine) as session:
            assert session.scalar(select(Warning.person_name)) == NAME
            assert session.scalar(select(Dissuasion.note).where(Dissuasion.id == 1)) == NOTE
            assert session.scalar(select(StopPayment.account)) == ACCOUNT
            task = session.get(Task, 1)
            assert (task.title, task.instructions, task.status_note, task.result_note) == (
                TITLE, INSTRUCTIONS, REASON, RESULT)
            assert session.scalar(select(TaskEvent.note)) == REASON
            session.get(Warning, 1).person_name = NAME2  # sealed by the app, opened by the migration
            session.commit()
        migrate.downgrade(engine, "0018")
        opened = _raw(engine)
        assert [opened[(t, c)][0] for t, c, _ in COLUMNS] == [NAME2] + [c for _, _, c in COLUMNS[1:]]
    finally:
        _clean(engine)
        migrate.upgrade(engine)


def test_0019_imports_nothing_of_the_app():
    tree = ast.parse(MIGRATION.read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in modules if m and m.split(".")[0] == "dashboard"}
