"""Units created, renamed and moved one at a time: fields named, history kept, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from dashboard.auth import audit
from dashboard.commands.edit_units import (
    CreateUnit,
    MoveUnit,
    PermissionDenied,
    RenameUnit,
    UnitInvalid,
)
from dashboard.domain import AuditEntry, OrgUnit
from dashboard.domain.reference import OrgLevel
from tests.factories import make_warning


def refusal(session, command) -> tuple[str, str]:
    with pytest.raises(UnitInvalid) as caught:
        command.run(session)
    session.rollback()
    return caught.value.field, caught.value.key


def entries(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def unit(session, code: str) -> OrgUnit:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def test_a_station_is_created_under_its_county_with_its_path_and_audited(session, org, make_user):
    admin = make_user("sysadmin")
    created = CreateUnit(admin, " 35020303 ", "station", "350203", "新派出所", "New Station",
                         "12,000").run(session)
    session.commit()
    assert created.path == "350200/350203/35020303" and created.population == 12_000
    [entry] = entries(session, audit.UNIT_CREATED)
    assert entry.username == admin.username and entry.object == "unit:35020303"
    assert '"parent":"350203"' in entry.detail


@pytest.mark.parametrize(("fields", "field", "key"), [
    ({"code": "a/b"}, "code", "units.error.code"),
    ({"code": "35020301"}, "code", "units.admin.error.code_taken"),
    ({"level": "province"}, "level", "units.error.level"),
    ({"parent_code": ""}, "parent_code", "units.error.parent_missing"),
    ({"parent_code": "999"}, "parent_code", "units.admin.error.unknown"),
    ({"parent_code": "350200"}, "parent_code", "units.error.parent_level"),
    ({"level": "city", "parent_code": ""}, "level", "units.error.second_top"),
    ({"name_zh": " "}, "name_zh", "units.error.name"),
    ({"name_en": "x" * 121}, "name_en", "units.error.name"),
    ({"population": "-5"}, "population", "units.error.population"),
])
def test_create_refusals_name_the_field_and_write_nothing(session, org, fields, field, key):
    values = {"code": "35020309", "level": "station", "parent_code": "350203", "name_zh": "所",
              "name_en": "Station", **fields}
    assert refusal(session, CreateUnit("cli:test", **values)) == (field, key)
    assert unit(session, "35020309") is None and not entries(session, audit.UNIT_CREATED)


def test_a_refusal_message_names_the_field_in_both_languages(session, org):
    with pytest.raises(UnitInvalid) as caught:
        CreateUnit("cli:test", "35020301", "station", "350203", "所", "S").run(session)
    assert caught.value.message("zh-CN").startswith("单位代码")
    assert caught.value.message("en").startswith("Unit code")


def test_someone_without_the_permission_is_refused_and_that_is_audited(session, org, make_user):
    officer = make_user("officer", org["35020301"])
    with pytest.raises(PermissionDenied):
        RenameUnit(officer, "35020301", "改名", "Renamed").run(session)
    session.commit()
    assert unit(session, "35020301").name_zh == "35020301"
    [denied] = entries(session, audit.ACCESS_DENIED)
    assert denied.object == "unit:35020301" and denied.username == officer.username


def test_a_rename_keeps_the_code_and_records_both_names(session, org, make_user):
    RenameUnit(make_user("sysadmin"), "35020301", "中华派出所", "Zhonghua Station").run(session)
    session.commit()
    renamed = unit(session, "35020301")
    assert (renamed.name_zh, renamed.name_en, renamed.path) == (
        "中华派出所", "Zhonghua Station", "350200/350203/35020301")
    [entry] = entries(session, audit.UNIT_RENAMED)
    assert '"from":{"name_en":"35020301"' in entry.detail and "Zhonghua Station" in entry.detail
    assert refusal(session, RenameUnit("cli:test", "35020301", "中华派出所", "Zhonghua Station")) == (
        "name_zh", "units.admin.error.same_names")
    assert refusal(session, RenameUnit("cli:test", "nope", "a", "b")) == (
        "unit", "units.admin.error.unknown")


def test_a_station_without_history_moves_to_another_county_and_its_scope_follows(session, org,
                                                                                make_user):
    moved = MoveUnit(make_user("sysadmin"), "35020302", "35020").run(session)
    session.commit()
    assert moved.parent.code == "35020" and moved.path == "350200/35020/35020302"
    [entry] = entries(session, audit.UNIT_MOVED)
    assert '"from":"350203"' in entry.detail and '"to":"35020"' in entry.detail


def test_a_move_carries_the_units_below_it(session, org):
    session.add(OrgLevel(code="post", name_zh="警务室", name_en="Post", sort_order=40))
    session.flush()
    CreateUnit("cli:test", "3502030201", "post", "35020302", "警务室", "Post").run(session)
    MoveUnit("cli:test", "35020302", "35020").run(session)
    session.commit()
    assert unit(session, "3502030201").path == "350200/35020/35020302/3502030201"
    assert unit(session, "35020301").path == "350200/350203/35020301"  # its sibling stays


def test_a_station_with_warnings_cannot_change_county_and_nothing_is_written(session, org):
    station = org["35020301"]
    session.add(make_warning(station, datetime(2026, 3, 1, 9, 0)))
    session.commit()
    assert refusal(session, MoveUnit("cli:test", "35020301", "35020")) == (
        "parent_code", "units.admin.error.move_history")
    assert unit(session, "35020301").path == "350200/350203/35020301"
    assert not entries(session, audit.UNIT_MOVED)


@pytest.mark.parametrize(("parent", "key"), [
    ("350203", "units.admin.error.same_parent"),
    ("35020302", "units.error.parent_level"),
    ("", "units.error.parent_missing"),
])
def test_move_refusals_name_the_parent_field(session, org, parent, key):
    assert refusal(session, MoveUnit("cli:test", "35020301", parent)) == ("parent_code", key)
