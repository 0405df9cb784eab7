"""Retiring a unit (stations split and merge): refusals named, audited, history kept, nothing new taken."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import shapely
from sqlalchemy import func, select

from dashboard.auth import audit
from dashboard.auth.scope import scope_for_unit
from dashboard.commands.edit_units import CreateUnit, MoveUnit, RetireUnit, UnitInvalid
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import check_role, resolve_unit
from dashboard.domain import AuditEntry, OrgUnit, Task, Warning
from dashboard.domain.base import SHANGHAI
from dashboard.geo.precincts import to_geojson
from dashboard.ingest.batch import ingest_batch
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from tests.factories import make_warning

TODAY = date(2026, 12, 7)
AT = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def admin(session, org, make_user):
    """The system administrator, with the chain committed (a refusal rolls back)."""
    made = make_user("sysadmin")
    session.commit()
    return made


def refusal(session, command) -> tuple[str, str, dict]:
    with pytest.raises(UnitInvalid) as caught:
        command.run(session)
    session.rollback()
    return caught.value.field, caught.value.key, caught.value.params


def unit(session, code: str) -> OrgUnit:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def retire(session, admin, code, successor=None) -> OrgUnit:
    retired = RetireUnit(admin, code, successor, today=TODAY).run(session)
    session.commit()
    return retired


def test_a_merged_station_is_retired_naming_its_successor_and_audited(session, org, admin, make_user):
    session.add(make_warning(org["35020301"], AT - timedelta(days=3)))
    session.commit()
    retired = retire(session, admin, "35020301", "35020302")
    assert retired.retired_on == TODAY and retired.successor.code == "35020302"
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == audit.UNIT_RETIRED))
    assert entry.username == admin.username and entry.object == "unit:35020301"
    assert '"successor":"35020302"' in entry.detail and '"retired_on":"2026-12-07"' in entry.detail
    # its history stays where it happened
    assert session.scalar(select(func.count()).select_from(Warning).where(
        Warning.station_id == retired.id)) == 1


def test_a_split_station_is_retired_with_no_successor(session, org, admin, make_user):
    retired = retire(session, admin, "35020301")
    assert retired.retired_on == TODAY and retired.successor_id is None


def test_a_county_retires_once_its_stations_have(session, org, admin, make_user):
    field, key, params = refusal(session, RetireUnit(admin, "35020", today=TODAY))
    assert (field, key) == ("unit", "units.admin.error.active_children")
    assert params["count"] == 2 and params["codes"] == "3502001, 3502002"
    retire(session, admin, "3502001", "35020301")
    retire(session, admin, "3502002", "35020302")
    assert retire(session, admin, "35020", "350203").retired_on == TODAY


def test_a_unit_with_active_accounts_is_refused_naming_how_many(session, org, admin, make_user):
    make_user("officer", org["35020301"])
    make_user("officer", org["35020301"])
    make_user("officer", org["35020301"], is_active=False)
    session.commit()
    field, key, params = refusal(session, RetireUnit(admin, "35020301", today=TODAY))
    assert (field, key, params["count"]) == ("unit", "units.admin.error.active_users", 2)
    assert "2" in UnitInvalid(field, key, **params).message("en")


def test_a_unit_that_owes_open_tasks_is_refused(session, org, admin, make_user):
    session.add(Task(kind="clue_verification", priority="normal", title="t", instructions="",
                     issuing_unit_id=org["350203"].id, target_unit_id=org["35020301"].id,
                     status="assigned", created_at=AT, ack_deadline_at=AT, deadline_at=AT,
                     version=1))
    session.commit()
    field, key, params = refusal(session, RetireUnit(admin, "35020301", today=TODAY))
    assert (field, key, params["count"]) == ("unit", "units.admin.error.open_tasks", 1)


@pytest.mark.parametrize(("code", "successor", "field", "key"), [
    ("99999999", None, "unit", "units.admin.error.unknown"),
    ("350200", None, "unit", "units.admin.error.retire_top"),
    ("35020301", "35020301", "successor", "units.admin.error.successor_self"),
    ("35020301", "350203", "successor", "units.admin.error.successor_level"),
    ("35020301", "nope", "successor", "units.admin.error.unknown"),
])
def test_refusals_name_the_field(session, org, admin, make_user, code, successor, field, key):
    got = refusal(session, RetireUnit(admin, code, successor, today=TODAY))
    assert got[:2] == (field, key)
    assert unit(session, "35020301").retired_on is None


def test_a_retired_unit_is_neither_retired_again_nor_a_successor_parent_or_moved(session, org, admin, make_user):
    retire(session, admin, "35020301")
    assert refusal(session, RetireUnit(admin, "35020301", today=TODAY))[:2] == (
        "unit", "units.admin.error.retired")
    assert refusal(session, RetireUnit(admin, "35020302", "35020301", today=TODAY))[:2] == (
        "successor", "units.admin.error.retired")
    assert refusal(session, MoveUnit(admin, "35020301", "35020"))[:2] == (
        "unit", "units.admin.error.retired")
    retire(session, admin, "3502001")
    retire(session, admin, "3502002")
    retire(session, admin, "35020")
    assert refusal(session, CreateUnit(admin, "3502003", "station", "35020", "新所", "New"))[:2] == (
        "parent_code", "units.admin.error.retired")
    assert refusal(session, MoveUnit(admin, "35020302", "35020"))[:2] == (
        "parent_code", "units.admin.error.retired")


def test_only_the_sysadmin_retires(session, org, make_user):
    from dashboard.auth.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        RetireUnit(make_user("commander", org["350203"]), "35020301", today=TODAY).run(session)


def test_no_account_is_attached_to_a_retired_unit(session, org, admin, make_user):
    retire(session, admin, "35020301")
    with pytest.raises(Invalid) as caught:
        resolve_unit(session, check_role("officer"), "35020301")
    assert (caught.value.field, caught.value.key) == ("unit", "admin.error.unit_retired")


def _warning(n: int, received_at: datetime, **where) -> dict:
    return {"source": "upstream", "external_id": f"R-{n}", "received_at": received_at.isoformat(),
            "fraud_type": "investment", "risk_level": "high", "channel": "call",
            "person": {"name": "王芳", "phone": f"1380000{n:04d}"}, "amount_at_risk": 50000, **where}


def test_a_retired_station_takes_no_new_warning_by_code_or_by_point(session, org, admin, make_user):
    square = shapely.box(118.0, 24.4, 118.01, 24.41)
    org["35020301"].geometry = to_geojson(square)
    session.commit()
    retire(session, admin, "35020301", "35020302")
    after = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    before = datetime(2026, 12, 6, 23, 0, tzinfo=SHANGHAI)
    result = ingest_batch(session, "warnings", [
        _warning(1, after, station_code="35020301"),
        _warning(2, after, lon=118.005, lat=24.405),
        _warning(3, before, station_code="35020301"),  # happened there before it retired
    ], sender=None, max_future_minutes=10 ** 6)
    session.commit()
    by_code, by_point, history = result.results
    assert by_code.status == "rejected" and by_code.errors[0]["field"] == "station_code"
    reason = by_code.errors[0]["reason"]
    assert "35020301" in reason and "2026-12-07" in reason and "35020302" in reason
    assert by_point.status == "rejected" and by_point.errors[0]["field"] == "lon"
    assert "35020301" in by_point.errors[0]["reason"]
    assert history.status == "inserted"


def test_a_point_goes_to_the_successors_new_shape_over_the_retired_one(session, org, admin):
    org["35020301"].geometry = to_geojson(shapely.box(118.0, 24.4, 118.01, 24.41))
    org["35020302"].geometry = to_geojson(shapely.box(118.01, 24.4, 118.02, 24.41))
    session.commit()
    retire(session, admin, "35020301", "35020302")
    org["35020302"].geometry = to_geojson(shapely.box(118.0, 24.4, 118.02, 24.41))  # merged
    session.commit()
    result = ingest_batch(session, "warnings", [
        _warning(1, datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), lon=118.005, lat=24.405)],
        sender=None, max_future_minutes=10 ** 6)
    session.commit()
    assert result.results[0].status == "inserted"
    stored = session.get(Warning, result.results[0].id)
    assert stored.station_id == org["35020302"].id


def test_the_boundary_check_neither_misses_nor_matches_a_retired_station(session, org, admin, tmp_path):
    import json

    from dashboard.geo.boundaries import check_boundaries, read_boundaries

    retire(session, admin, "35020301", "35020302")
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code},
         "geometry": shapely.geometry.mapping(shapely.box(x, 24.4, x + 0.01, 24.41))}
        for code, x in (("35020302", 118.0), ("3502001", 118.01), ("3502002", 118.02))]}))
    report = check_boundaries(session, read_boundaries(path), "station")
    assert "35020301" not in report.missing_units and report.missing_units == []
    assert set(report.matched) == {"35020302", "3502001", "3502002"}


def test_a_retired_station_without_successor_says_so(session, org, admin, make_user):
    retire(session, admin, "35020301")
    result = ingest_batch(session, "warnings", [
        _warning(1, datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), station_code="35020301")],
        sender=None, max_future_minutes=10 ** 6)
    assert "no successor" in result.results[0].errors[0]["reason"]


def test_a_retired_station_stays_in_the_ranking_of_the_period_it_had_warnings(session, org, admin, make_user):
    session.add(make_warning(org["35020301"], datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)))
    session.commit()
    retire(session, admin, "35020301", "35020302")
    from dashboard.aggregates import rebuild

    rebuild(session.connection())
    session.commit()
    period = Period(datetime(2026, 11, 1, tzinfo=SHANGHAI), datetime(2026, 12, 1, tzinfo=SHANGHAI))
    ranking = warnings_by_unit(session, scope_for_unit(org["350200"]), period, "station")
    assert dict(zip(ranking["code"], ranking["warnings"], strict=True))["35020301"] == 1
    later = Period(datetime(2026, 12, 8, tzinfo=SHANGHAI), datetime(2026, 12, 9, tzinfo=SHANGHAI))
    codes = set(warnings_by_unit(session, scope_for_unit(org["350200"]), later, "station")["code"])
    assert "35020301" not in codes and "35020302" in codes  # nothing of it there: not ranked at 0
