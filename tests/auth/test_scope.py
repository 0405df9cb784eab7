"""Scope: each role sees exactly its subtree; everything else is filtered out."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from dashboard.auth.scope import NO_SCOPE, Scope, scope_for_unit, scope_of
from dashboard.domain import OrgUnit, Warning

STATIONS = ["35020301", "35020302", "3502001", "3502002"]
ROUTED = Table("scope_test_rows", MetaData(),
               Column("id", Integer, primary_key=True),
               Column("county_id", Integer), Column("station_id", Integer, nullable=True))


@pytest.fixture
def routed_table(session):
    """A table of rows routed to a county and maybe a station (not part of the schema)."""
    ROUTED.create(session.connection(), checkfirst=True)
    return ROUTED


@pytest.fixture
def warnings(session, org, now):
    """Three warnings at each station (reference lists are loaded by tests/conftest.py)."""
    rows = []
    for code in STATIONS:
        station = org[code]
        for n in range(3):
            rows.append(Warning(
                source="test", external_id=f"{code}-{n}", received_at=now, fraud_type="brushing_rebate",
                risk_level="high", channel="call", county_id=station.parent_id, station_id=station.id,
                status="new", deadline_at=now + timedelta(minutes=30)))
    session.add_all(rows)
    session.flush()
    return rows


def user(role, unit=None, active=True):
    return SimpleNamespace(role=role, unit_id=unit.id if unit else None, is_active=active)


def station_codes(session, stmt):
    return sorted(session.scalars(
        select(OrgUnit.code).join(Warning, Warning.station_id == OrgUnit.id)
        .where(Warning.id.in_(stmt.with_only_columns(Warning.id)))
    ))


@pytest.mark.parametrize(("role", "unit_code", "kind", "path"), [
    ("leader", "350200", "subtree", "350200"),
    ("leader", "350203", "subtree", "350200/350203"),
    ("commander", "350203", "subtree", "350200/350203"),
    ("officer", "35020301", "subtree", "350200/350203/35020301"),
    ("press", "350203", "city", "350200"),
    ("press", None, "city", "350200"),
])
def test_scope_of_each_role(session, org, role, unit_code, kind, path):
    scope = scope_of(session, user(role, org.get(unit_code)))
    assert (scope.kind, scope.unit_path) == (kind, path)


@pytest.mark.parametrize("who", [
    ("sysadmin", "350200", True), ("secadmin", "350200", True), ("auditor", "350200", True), ("officer", "35020301", False),
    ("officer", None, True), ("commander", None, True), ("superuser", "350200", True),
])
def test_no_scope_for_system_roles_inactive_unknown_or_unattached(session, org, who):
    role, code, active = who
    scope = scope_of(session, user(role, org.get(code), active))
    assert scope == NO_SCOPE and scope.is_empty
    assert scope.unit_ids(session) == []


def test_no_scope_for_nobody(session):
    assert scope_of(session, None) == NO_SCOPE


@pytest.mark.parametrize(("unit_code", "visible"), [
    ("350200", STATIONS),
    ("350203", ["35020301", "35020302"]),
    ("35020", ["3502001", "3502002"]),  # its code is a prefix of 350203: still not its subtree
    ("35020301", ["35020301"]),
    ("3502002", ["3502002"]),
])
def test_warnings_are_filtered_to_the_subtree(session, org, warnings, unit_code, visible):
    scope = scope_for_unit(org[unit_code])
    stmt = scope.filter_units(select(Warning), Warning.county_id, Warning.station_id)
    assert station_codes(session, stmt) == sorted(c for c in visible for _ in range(3))


def test_no_scope_returns_no_rows(session, warnings):
    stmt = NO_SCOPE.filter_units(select(Warning), Warning.county_id, Warning.station_id)
    assert session.scalars(stmt).all() == []
    assert session.scalars(NO_SCOPE.filter_org_units(select(OrgUnit))).all() == []


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scope_unit=st.sampled_from(["350200", "350203", "35020", *STATIONS]),
       asked=st.lists(st.sampled_from(STATIONS + ["350203", "35020"]), max_size=6))
def test_browser_filters_never_widen_the_scope(session, org, warnings, scope_unit, asked):
    """Whatever units the browser asks for, every returned row lies inside the scope."""
    scope = scope_for_unit(org[scope_unit])
    ids = [org[c].id for c in asked]
    stmt = select(Warning).where(Warning.station_id.in_(ids) | Warning.county_id.in_(ids))
    rows = session.scalars(scope.filter_units(stmt, Warning.county_id, Warning.station_id)).all()
    for row in rows:
        assert scope.contains_path(session.get(OrgUnit, row.station_id).path)
        assert scope.contains_unit(session, row.station_id)
    expected = {w.id for w in warnings if w.station_id in ids or w.county_id in ids
                if scope.contains_unit(session, w.station_id)}
    assert {r.id for r in rows} == expected


def test_county_level_rows_are_not_shown_to_a_station(session, org, routed_table):
    county, station = org["350203"], org["35020301"]
    session.execute(insert(ROUTED), [
        {"id": 1, "county_id": county.id, "station_id": None},
        {"id": 2, "county_id": county.id, "station_id": station.id},
        {"id": 3, "county_id": org["35020"].id, "station_id": None},
    ])

    def visible(unit_code):
        scope = scope_for_unit(org[unit_code])
        stmt = scope.filter_units(select(ROUTED.c.id), ROUTED.c.county_id, ROUTED.c.station_id)
        return sorted(session.scalars(stmt))

    assert visible("350200") == [1, 2, 3]
    assert visible("350203") == [1, 2]
    assert visible("35020301") == [2]
    assert visible("35020302") == []


def test_contains_unit(session, org):
    scope = scope_for_unit(org["350203"])
    assert scope.contains_unit(session, org["35020301"].id)
    assert scope.contains_unit(session, str(org["350203"].id))
    assert not scope.contains_unit(session, org["350200"].id)
    assert not scope.contains_unit(session, org["3502001"].id)
    for garbage in (None, "", "abc", -1, 10**9, "1 OR 1=1"):
        assert not scope.contains_unit(session, garbage)


def test_org_units_and_unit_ids_are_the_subtree(session, org):
    scope = scope_for_unit(org["350203"])
    codes = sorted(session.scalars(scope.filter_org_units(select(OrgUnit.code))))
    assert codes == ["350203", "35020301", "35020302"]
    assert scope.unit_ids(session) == sorted(org[c].id for c in codes)
    stmt = select(OrgUnit.code).where(scope.unit_condition(OrgUnit.parent_id))
    assert sorted(session.scalars(stmt)) == ["35020301", "35020302"]


def test_cache_keys_are_stable_and_distinct(session, org):
    keys = {code: scope_for_unit(org[code]).cache_key for code in org}
    assert len(set(keys.values())) == len(org)
    assert scope_for_unit(org["350203"]).cache_key == "scope:subtree:350200/350203"
    assert Scope("city", 1, "350200", "city").cache_key != keys["350200"]
    assert NO_SCOPE.cache_key == "scope:none"
