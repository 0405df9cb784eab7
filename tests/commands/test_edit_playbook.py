"""Admins edit the dissuasion playbooks: checked, versioned, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied
from dashboard.commands.edit_playbook import EditPlaybook, PlaybookChanged, PlaybookInvalid
from dashboard.domain import AuditEntry, DissuasionPlaybook, User
from dashboard.domain.base import SHANGHAI

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


def make_user(session, username: str, role: str) -> User:
    user = User(username=username, display_name=username.title(), password_hash="x", role=role,
                is_active=True, failed_logins=0, created_at=NOW, password_changed_at=NOW)
    session.add(user)
    session.flush()
    return user


def edit(actor, version=1, zh="第一条\n第二条", en="One\nTwo", fraud_type="investment"):
    return EditPlaybook(actor, fraud_type, version, talking_points_zh=zh, talking_points_en=en)


def test_an_edit_is_stored_trimmed_versioned_and_audited(session):
    admin = make_user(session, "admin1", "sysadmin")
    edit(admin, zh="  先说结论：这是诈骗。 \n\n 停止转账\n").run(session, NOW)
    session.commit()
    playbook = session.get(DissuasionPlaybook, "investment")
    assert playbook.talking_points("zh-CN") == ["先说结论：这是诈骗。", "停止转账"]
    assert (playbook.version, playbook.updated_at, playbook.updated_by_id) == (2, NOW, admin.id)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.PLAYBOOK_CHANGED))
    assert (entry.username, entry.object, entry.detail) == ("admin1", "playbook:investment",
                                                            '{"version":2}')
    with pytest.raises(PlaybookChanged) as stale:  # another admin's page still shows version 1
        edit(admin, 1).run(session, NOW)
    assert "changed this playbook meanwhile" in stale.value.message("en")


@pytest.mark.parametrize(("kwargs", "field", "en"), [
    ({"zh": "  \n "}, "talking_points_zh",
     "Talking points in Chinese (one per line): at least one point is needed."),
    ({"en": "\n".join(f"Point {n}" for n in range(21))}, "talking_points_en",
     "Talking points in English (one per line): at most 20 points."),
    ({"en": "x" * 401}, "talking_points_en",
     "Talking points in English (one per line): each point at most 400 characters."),
    ({"fraud_type": "no_such_type"}, "fraud_type", "Fraud type: not one of the choices."),
])
def test_bad_texts_are_refused_naming_the_field(session, kwargs, field, en):
    admin = make_user(session, "admin1", "sysadmin")
    with pytest.raises(PlaybookInvalid) as refused:
        edit(admin, **kwargs).run(session, NOW)
    assert (refused.value.field, refused.value.message("en")) == (field, en)
    session.rollback()
    assert session.get(DissuasionPlaybook, "investment").version == 1


@pytest.mark.parametrize("role", ["leader", "commander", "officer", "press", "auditor"])
def test_only_admins_may_edit(session, role):
    user = make_user(session, "someone", role)
    with pytest.raises(PermissionDenied):
        edit(user).run(session, NOW)
    session.commit()
    assert session.scalar(select(AuditEntry.action)) == audit.ACCESS_DENIED
    assert session.get(DissuasionPlaybook, "investment").version == 1
