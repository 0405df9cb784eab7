"""Citizen data in the small ``city`` of ``tests/web/conftest.py``, and every string of it.

``add_citizen_records(engine)`` gives the city's warnings distinct people and
adds what the product keeps about them: an attempt with a free-text note per
warning, a stop-payment, a case, a task (refused with a note) and a rejected
ingest record, each made the way the product makes it where a command exists;
a commander unmasks a phone number and a rejected record's phone (audited).

``citizen_strings(engine)`` reads it all back through the domain models
(decrypting the sealed columns) as ``{text: what it is}``: names, phone, ID
and account numbers (in clear and as the pages mask them), free text,
external ids and case numbers, the warnings' headlines and the record pages'
addresses.  The walks look for every one of them in every answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.tasks import IssueTask, Reject
from dashboard.commands.unmask import unmask, unmask_rejected
from dashboard.domain import (
    Case,
    Dissuasion,
    OrgUnit,
    RejectedRecord,
    StopPayment,
    Task,
    TaskEvent,
    User,
    Warning,
)
from dashboard.domain.payload_masks import REVEALABLE, masked, value_at
from dashboard.domain.personal_data import mask_bank_account, mask_id_number, mask_name, mask_phone
from dashboard.ingest.batch import ingest_batch
from dashboard.ingest.tokens import Sender
from tests.web.conftest import NOW

PEOPLE = ("欧阳娜娜", "司马建国", "上官婉清", "诸葛明辉", "慕容雪琳", "东方子涵")
REFUSED_PERSON = {"name": "令狐冲霄", "phone": "13805921234", "id_number": "350203198806061237",
                  "bank_account": "6217000010001234567"}


def _user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def add_citizen_records(engine) -> None:
    """People, notes, a case, a stop-payment, a task and a rejected record in the ``city``."""
    with Session(engine) as session, session.begin():
        warnings = session.scalars(select(Warning).order_by(Warning.id)).all()
        for n, (warning, name) in enumerate(zip(warnings, PEOPLE, strict=False), start=1):
            warning.person_name = name
            session.add(Dissuasion(warning=warning, method="door_visit", officer="T-01",
                                   started_at=warning.received_at + timedelta(minutes=5),
                                   result="dissuaded", note=f"在湖滨南路{n}号见到{name}本人，已劝阻"))
        first = warnings[0]
        session.add(Case(number="A3502032026110001", reported_at=NOW - timedelta(hours=1),
                         fraud_type=first.fraud_type, county_id=first.county_id,
                         station_id=first.station_id, warning_id=first.id, loss=8_000,
                         status="filed"))
        session.add(StopPayment(warning_id=first.id, county_id=first.county_id,
                                station_id=first.station_id, account="6228480012345678901",
                                bank="测试银行", reported_at=NOW - timedelta(hours=2),
                                requested_at=NOW - timedelta(hours=2), requested_amount=8_000))
        session.flush()
        commander, officer = _user(session, "commander"), _user(session, "officer")
        station = session.get(OrgUnit, first.station_id)
        [task] = IssueTask(commander, "door_visit", "urgent", f"上门劝阻{first.person_name}",
                           target_units=[station.code], warning_id=first.id,
                           instructions=f"{first.person_name}住在湖滨南路1号三楼").run(session, NOW)
        Reject(officer, task.id, note=f"{first.person_name}已搬到莲前西路").run(session, NOW)
        refused = {"source": "test", "external_id": "W-REFUSED-1", "received_at": NOW.isoformat(),
                   "fraud_type": "no_such_type", "risk_level": "high", "channel": "call",
                   "station_code": station.code, "amount_at_risk": 9_000,
                   "person": REFUSED_PERSON, "note": "令狐冲霄说他在银行门口"}
        ingest_batch(session, "warnings", [refused], sender=Sender("test"))
        record_id = session.scalar(select(RejectedRecord.id))
        unmask(session, commander, first.id, "phone")
        unmask_rejected(session, commander, record_id, "person.phone")


@dataclass(frozen=True)
class Probe:
    """One record to name in a request: its kind, its id (a unit: its code), its page."""

    kind: str
    value: int | str
    path: str


def probes(engine) -> list[Probe]:
    """One record of each kind that holds or leads to citizen data, and a station."""
    with Session(engine) as session:
        def first(model):
            return session.scalar(select(model.id).order_by(model.id))

        warning, task = first(Warning), first(Task)
        station = session.scalar(select(OrgUnit).where(OrgUnit.level == "station")
                                 .order_by(OrgUnit.code))
        found = [Probe("warning", warning, f"/warnings/{warning}"),
                 Probe("task", task, f"/task/{task}"),
                 Probe("case", first(Case), "/cases"),
                 Probe("stop_payment", first(StopPayment), "/funds"),
                 Probe("rejected", first(RejectedRecord), "/admin/rejected"),
                 Probe("attempt", first(Dissuasion), f"/warnings/{warning}"),
                 Probe("unit", station.code, f"/?unit={station.code}"),
                 Probe("unit_id", station.id, f"/queue?unit={station.id}")]
    assert all(p.value is not None for p in found), found
    return found


def _personal(found: dict[str, str], what: str, value: str | None, mask) -> None:
    if value:
        found[value] = what
        found[mask(value)] = f"{what} (masked)"


def citizen_strings(engine) -> dict[str, str]:
    """Every piece of citizen data in the database, as text a page could show: {text: what}."""
    found: dict[str, str] = {}
    with Session(engine) as session:
        for w in session.scalars(select(Warning)):
            _personal(found, f"warning {w.id} name", w.person_name, mask_name)
            _personal(found, f"warning {w.id} phone", w.person_phone, mask_phone)
            _personal(found, f"warning {w.id} ID number", w.person_id_number, mask_id_number)
            _personal(found, f"warning {w.id} account", w.person_bank_account, mask_bank_account)
            found[w.external_id] = f"warning {w.id} external id"
            for headline in (f"Warning #{w.id}", f"预警 #{w.id}", f"/warnings/{w.id}"):
                found[headline] = f"warning {w.id} headline or address"
        for d in session.scalars(select(Dissuasion)):
            found[d.note or ""] = f"attempt {d.id} note"
        for c in session.scalars(select(Case)):
            found[c.number] = f"case {c.id} number"
        for s in session.scalars(select(StopPayment)):
            _personal(found, f"stop-payment {s.id} account", s.account, mask_bank_account)
        for t in session.scalars(select(Task)):
            for field in ("title", "instructions", "status_note", "result_note"):
                found[getattr(t, field) or ""] = f"task {t.id} {field}"
            found[f"/task/{t.id}"] = f"task {t.id} address"
        for e in session.scalars(select(TaskEvent)):
            found[e.note or ""] = f"task event {e.id} note"
        for r in session.scalars(select(RejectedRecord)):
            payload = json.loads(r.payload)
            shown = masked(payload)
            for name, path in REVEALABLE.items():
                for value, what in ((value_at(payload, path), name),
                                    (value_at(shown, path), f"{name} (masked)")):
                    if isinstance(value, str) and value.strip("*"):
                        found[value] = f"rejected {r.id} {what}"
            found[r.external_id or ""] = f"rejected {r.id} external id"
    found.pop("", None)
    return found
