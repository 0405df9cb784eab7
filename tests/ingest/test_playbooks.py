"""The starter dissuasion playbooks: one per fraud type, loaded once, never over an admin's edit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.domain import DissuasionPlaybook
from dashboard.domain.reference import FraudType
from dashboard.ingest.playbooks import PLAYBOOKS_FILE, PlaybookFileError, load_playbooks
from dashboard.ingest.reference import load_reference_data


def test_every_fraud_type_has_a_starter_playbook_in_both_languages(engine):
    with Session(engine) as session:
        types = set(session.scalars(select(FraudType.code)))
        playbooks = session.scalars(select(DissuasionPlaybook)).all()
        assert {p.fraud_type for p in playbooks} == types and len(types) >= 12
        for playbook in playbooks:
            zh, en = playbook.talking_points("zh-CN"), playbook.talking_points("en")
            assert len(zh) == len(en) >= 3, playbook.fraud_type
            assert all(any("\u4e00" <= c <= "\u9fff" for c in point) for point in zh)
            assert all(point.isascii() for point in en), playbook.fraud_type


def test_reloading_keeps_an_edited_playbook(engine):
    with Session(engine) as session:
        playbook = session.get(DissuasionPlaybook, "impersonate_police")
        playbook.talking_points_zh, playbook.version = "本所自编话术", 4
        session.commit()
        counts = load_reference_data(session)
        session.commit()
        assert counts["dissuasion_playbooks"] == 0
        assert session.get(DissuasionPlaybook, "impersonate_police").talking_points_zh == "本所自编话术"
        session.delete(session.get(DissuasionPlaybook, "fake_loan"))
        session.flush()
        assert load_playbooks(session) == 1  # a fraud type without one gets its starter back
        assert session.scalar(select(func.count()).select_from(DissuasionPlaybook)) == 12
        session.rollback()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(no_such_type=d["other"]), "unknown fraud types \\['no_such_type'\\]"),
    (lambda d: d.pop("fake_loan"), "without a playbook \\['fake_loan'\\]"),
    (lambda d: d["other"].pop("en"), "other: needs exactly the keys zh and en"),
    (lambda d: d["other"].update(zh=[]), "other.zh: 1 to 20 one-line points"),
    (lambda d: d["other"].update(en=["two\nlines"]), "other.en: 1 to 20 one-line points"),
])
def test_a_starter_file_that_does_not_fit_is_refused(engine, tmp_path, change, message):
    data = json.loads(PLAYBOOKS_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "playbooks.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with Session(engine) as session:
        with pytest.raises(PlaybookFileError, match=message):
            load_playbooks(session, path)
