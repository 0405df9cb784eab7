"""A source's saved column mapping (``--map`` with ``--source``) is audited when saved or changed."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import AuditEntry
from dashboard.domain.base import SHANGHAI
from dashboard.ingest.file_import import import_file
from dashboard.ingest.headers import parse_maps, save_maps, saved_maps
from tests.ingest.test_file_import import scope_of
from tests.ingest.test_office_files import HEADER, ROWS, office_csv

AT = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)


def saved_entries(session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == audit.HEADER_MAP_SAVED)
                                .order_by(AuditEntry.id)))


def test_saving_and_changing_a_mapping_is_audited_naming_source_and_mapping(engine):
    with Session(engine) as session:
        save_maps(session, "hotline", parse_maps(["受理时间=received_at"]), AT, actor="cli:root")
        session.commit()
        [first] = saved_entries(session)
        assert first.username == "cli:root" and first.object == "import_source:hotline"
        detail = json.loads(first.detail)
        assert detail["source"] == "hotline" and detail["mapping"] == {"受理时间": "received_at"}
        assert detail["before"] == {}
        # saved again unchanged: nothing to audit; changed: the old field is named
        assert save_maps(session, "hotline", parse_maps(["受理时间=received_at"]), AT) == {}
        changed = save_maps(session, "hotline", parse_maps(["受理时间=reported_at", "金额=amount_at_risk"]),
                            AT, actor="cli:root")
        session.commit()
        assert changed == {"受理时间": ("received_at", "reported_at"), "金额": (None, "amount_at_risk")}
        entries = saved_entries(session)
        assert len(entries) == 2
        detail = json.loads(entries[1].detail)
        assert detail["mapping"] == {"受理时间": "reported_at", "金额": "amount_at_risk"}
        assert detail["before"] == {"受理时间": "received_at"}
        assert saved_maps(session, "hotline")["受理时间"] == "reported_at"


def test_an_import_that_saves_a_mapping_audits_it_under_its_actor(units, tmp_path):
    header = ["受理时间", *HEADER[:1], *HEADER[2:]]
    rows = [[r[1], r[0], *r[2:]] for r in ROWS]
    path = office_csv(tmp_path / "预警.csv", rows, header=header)
    summary = import_file(scope_of(units), path, source="hotline", actor="cli:clerk",
                          maps=parse_maps(["受理时间=received_at"]))
    assert summary.counts["inserted"] == 2
    with Session(units) as session:
        [entry] = saved_entries(session)
        assert entry.username == "cli:clerk" and "hotline" in entry.object
        assert json.loads(entry.detail)["mapping"] == {"受理时间": "received_at"}
    import_file(scope_of(units), path, source="hotline", actor="cli:clerk")  # uses it: no new entry
    with Session(units) as session:
        assert len(saved_entries(session)) == 1
