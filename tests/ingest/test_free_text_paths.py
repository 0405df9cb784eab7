"""Every path that stores free text treats a personal number in it the same: refused, naming the
field, whether it comes from the station's form, the task board, the users page, the ingest API, a
file import or a replayed record; ordinary text goes through them all."""

from __future__ import annotations

import csv
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.commands.edit_playbook import PlaybookInvalid, check_points
from dashboard.commands.errors import Invalid
from dashboard.commands.record_attempt import OutcomeInvalid, RecordAttempt
from dashboard.commands.rejected import replay, shown_payload
from dashboard.commands.tasks import Cancel, Complete, IssueTask, Reject, TaskInvalid
from dashboard.commands.tasks.acknowledge import Acknowledge
from dashboard.commands.validation import check_display_name
from dashboard.domain import RejectedRecord, Warning
from dashboard.i18n import translate
from dashboard.ingest.file_import import import_file
from dashboard.ingest.schemas import PERSONAL_NUMBER
from tests.ingest.conftest import NOW, user, warning

REPORTED = translate("ingest.reason.personal_number", "zh-CN")

NUMBERS = ["139 1234 5678", "+86-139-1234-5678", "１３９１２３４５６７８", "一三九一二三四五六七八",
           "139\u200b1234\u200b5678", "35020319900101123x", "6222 0212 3456 7891 234", "0592-1234567"]
ORDINARY = "2026-12-06 14:05 转账 1,234.50 元，案件 XM2026000123，35020301 所"


def _attempt(n: int, **fields) -> dict:
    return {"source": "upstream", "external_id": f"A-{n}", "warning_external_id": "W-1",
            "method": "phone", "result": "no_answer", "started_at": NOW.isoformat(), **fields}


def _api_field(answer) -> str | None:
    """The field the API refused for its personal number, or None if the record went in."""
    result = answer.get_json()["results"][0]
    if result["status"] != "rejected":
        return None
    return next(e["field"] for e in result["errors"] if e["reason"] == PERSONAL_NUMBER)


class Paths:
    """Each path that stores free text, run with ``text``; the field it refused, or None."""

    def __init__(self, api, engine, tmp_path) -> None:
        self.api, self.engine, self.tmp_path = api, engine, tmp_path
        self.serial = 0
        api.post_batch("warnings", [warning(1)])

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    @contextmanager
    def _session(self):
        with Session(self.engine) as session:
            yield session
            session.rollback()

    def station_form(self, text):
        with self._session() as session:
            warning_id = session.scalar(select(Warning.id).where(Warning.external_id == "W-1"))
            try:
                RecordAttempt(user(session, "officer"), warning_id, None, method="phone",
                              result="no_answer", note=text).validate(session)
            except OutcomeInvalid as refused:
                return refused.field if refused.key == "outcome.error.personal_number" else refused
        return None

    def api_note(self, text):
        return _api_field(self.api.post_batch("outcomes", [_attempt(self._next(), note=text)]))

    def api_officer(self, text):
        return _api_field(self.api.post_batch("outcomes", [_attempt(self._next(), officer=text)]))

    def api_bank(self, text):
        stop = {"source": "upstream", "external_id": f"S-{self._next()}", "station_code": "35020301",
                "account": "6222021234567891234", "bank": text, "reported_at": NOW.isoformat(),
                "requested_at": NOW.isoformat(), "requested_amount": 5000}
        return _api_field(self.api.post_batch("stop-payments", [stop]))

    def file_import(self, text):
        path = self.tmp_path / f"outcomes-{self._next()}.csv"
        record = _attempt(self.serial, note=text)
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(list(record))
            writer.writerow(list(record.values()))

        @contextmanager
        def scope():
            with Session(self.engine) as session, session.begin():
                yield session

        summary = import_file(scope, path, kind="outcomes")
        if not summary.counts["rejected"]:
            return None
        with summary.report_path.open(encoding="utf-8-sig") as fh:
            # the report says it in the import's language (zh-CN), naming the row and the column
            return next(r["field"] for r in csv.DictReader(fh) if r["reason"].endswith(REPORTED))

    def replay(self, text):
        n = self._next()
        self.api.post_batch("outcomes", [_attempt(n, method="no_such_method")])
        with self._session() as session:
            record = session.scalar(select(RejectedRecord).where(RejectedRecord.external_id == f"A-{n}"))
            fixed = {**shown_payload(record), "method": "phone", "note": text}
            status, errors = replay(session, user(session, "commander"), record.id, fixed)
        if status != "rejected":
            return None
        return next(e["field"] for e in errors if e["reason"] == PERSONAL_NUMBER)

    def _task(self, session, **fields):
        commander = user(session, "commander")
        values = {"title": "核查线索", **fields}
        return IssueTask(commander, "clue_verification", "normal", target_units=["35020301"],
                         **values).run(session)[0]

    def _task_step(self, text, step):
        with self._session() as session:
            try:
                step(session, text)
            except TaskInvalid as refused:
                return refused.field if refused.key == "task.error.personal_number" else refused
        return None

    def task_title(self, text):
        return self._task_step(text, lambda s, t: self._task(s, title=t))

    def task_instructions(self, text):
        return self._task_step(text, lambda s, t: self._task(s, instructions=t))

    def task_reject(self, text):
        return self._task_step(text, lambda s, t: Reject(user(s, "officer"), self._task(s).id,
                                                         note=t).run(s))

    def task_cancel(self, text):
        return self._task_step(text, lambda s, t: Cancel(user(s, "commander"), self._task(s).id,
                                                         note=t).run(s))

    def task_complete(self, text):
        def complete(session, note):
            task = self._task(session)
            Acknowledge(user(session, "officer"), task.id).run(session)
            Complete(user(session, "officer"), task.id, note=note).run(session)
        return self._task_step(text, complete)

    def display_name(self, text):
        try:
            check_display_name(text[:80])
        except Invalid as refused:
            return refused.field
        return None

    def playbook(self, text):
        try:
            check_points(text, "talking_points_zh")
        except PlaybookInvalid as refused:
            return refused.field if refused.key == "playbook.error.personal_number" else refused
        return None


FIELDS = {"station_form": "note", "api_note": "note", "api_officer": "officer", "api_bank": "bank",
          "file_import": "note", "replay": "note", "task_title": "title",
          "task_instructions": "instructions", "task_reject": "note", "task_cancel": "note",
          "task_complete": "note", "display_name": "display_name", "playbook": "talking_points_zh"}


@pytest.mark.parametrize("number", NUMBERS)
def test_a_personal_number_is_refused_on_every_path(api, staff, tmp_path, number):
    paths = Paths(api, staff, tmp_path)
    text = f"联系人{number}"
    refused = {name: getattr(paths, name)(text) for name in FIELDS}
    assert refused == FIELDS


def test_ordinary_text_goes_through_every_path(api, staff, tmp_path):
    paths = Paths(api, staff, tmp_path)
    refused = {name: getattr(paths, name)(ORDINARY) for name in FIELDS}
    assert refused == dict.fromkeys(FIELDS)
