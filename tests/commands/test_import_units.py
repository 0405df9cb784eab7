"""A bureau's own unit list: checked line by line, written whole or not at all, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard.auth import audit
from dashboard.auth.scope import scope_for_unit
from dashboard.commands.import_units import ImportUnits, UnitsRefused
from dashboard.domain import AuditEntry, OrgUnit

HEADER = ("code", "level", "parent_code", "name_zh", "name_en", "population")


def rows(*lines: str) -> list[tuple[int, dict]]:
    """CSV-like lines (without the header) as the reader gives them: line numbers from 2."""
    return [(number, dict(zip(HEADER, line.split(","), strict=False)))
            for number, line in enumerate(lines, start=2)]


CHAIN = rows(
    "35020301,station,350203,中华派出所,Zhonghua Station,120000",  # before its parents: order is free
    "350203,county,350200,思明分局,Siming Sub-bureau,",
    "350200,city,,厦门市公安局,Xiamen Bureau,5300000",
    "350206,county,350200,湖里分局,Huli Sub-bureau,",
)


def refused(session, lines) -> list[tuple[int, str, str]]:
    with pytest.raises(UnitsRefused) as caught:
        ImportUnits("cli:test", lines).run(session)
    session.rollback()
    return [(p.line, p.field, p.key) for p in caught.value.problems]


def test_a_chain_is_created_with_paths_parents_first_and_one_audit_row(session):
    result = ImportUnits("cli:test", CHAIN, source="units.csv").run(session)
    session.commit()
    assert sorted(result.created) == ["350200", "350203", "35020301", "350206"]
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    assert units["35020301"].path == "350200/350203/35020301"
    assert units["35020301"].parent.code == "350203" and units["350200"].parent is None
    assert units["350200"].population == 5_300_000 and units["350203"].population is None
    # the new chain is a scope like any other: the county sees its station and itself
    county = scope_for_unit(units["350203"])
    assert set(county.unit_ids(session)) == {units["350203"].id, units["35020301"].id}
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == audit.UNITS_IMPORTED))
    assert entry is not None and '"created":4' in entry.detail and "units.csv" in entry.detail


def test_importing_again_updates_names_and_keeps_what_is_not_given(session):
    ImportUnits("cli:test", CHAIN).run(session)
    session.commit()
    again = rows("350200,city,,厦门市公安局,Xiamen Municipal Bureau,",
                 "350203,county,350200,思明分局,Siming Sub-bureau,")
    result = ImportUnits("cli:test", again).run(session)
    session.commit()
    assert result.updated == ["350200"] and result.unchanged == ["350203"] and result.created == []
    city = session.scalar(select(OrgUnit).where(OrgUnit.code == "350200"))
    assert city.name_en == "Xiamen Municipal Bureau" and city.population == 5_300_000


def test_every_problem_is_named_by_line_and_field_and_nothing_is_written(session):
    problems = refused(session, rows(
        "350200,city,,厦门市公安局,Xiamen Bureau,",
        "350203,county,,思明分局,Siming,",                   # no parent
        "350206,county,350299,湖里分局,Huli,",               # unknown parent
        "35020301,station,350200,中华派出所,Zhonghua,many",  # parent a level too high; bad population
        "35020302,precinct,350203,x,x,",                     # unknown level
        "3502/03,station,350203,x,x,",                       # "/" is the path's separator
        "350207,county,350200,,Jimei,",                      # no Chinese name
        "350203,county,350200,again,again,",                 # code twice
        "350300,city,,另一市局,Another city,",               # a second top unit
    ))
    assert problems == [
        (3, "parent_code", "units.error.parent_missing"),
        (4, "parent_code", "units.error.parent_unknown"),
        (5, "parent_code", "units.error.parent_level"),
        (5, "population", "units.error.population"),
        (6, "level", "units.error.level"),
        (7, "code", "units.error.code"),
        (8, "name_zh", "units.error.name"),
        (9, "code", "units.error.duplicate"),
        (10, "code", "units.error.second_top"),
    ]
    assert session.scalar(select(func.count()).select_from(OrgUnit)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_stored_unit_keeps_its_level_and_parent(session):
    ImportUnits("cli:test", CHAIN).run(session)
    session.commit()
    problems = refused(session, rows(
        "35020301,station,350206,中华派出所,Zhonghua Station,",  # moved to another county
        "350206,station,350203,湖里,Huli,",                      # a county made a station
        "350300,city,,另一市局,Another city,",                   # a second city next to the stored one
    ))
    assert problems == [(2, "parent_code", "units.error.parent_level"),  # 350206, as listed, is no county
                        (2, "parent_code", "units.error.moved"), (3, "level", "units.error.level_changed"),
                        (4, "code", "units.error.second_top")]
    station = session.scalar(select(OrgUnit).where(OrgUnit.code == "35020301"))
    assert station.parent.code == "350203" and station.name_en == "Zhonghua Station"


def test_an_empty_list_is_refused(session):
    assert refused(session, []) == [(0, "code", "units.error.empty")]
