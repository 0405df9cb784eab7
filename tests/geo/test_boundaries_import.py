"""Importing a bureau's own precinct file: read any format, check, change nothing until clean."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, shape
from sqlalchemy import select

from dashboard.auth.audit_verify import verify_chain
from dashboard.cli import main
from dashboard.demo.units import build_demo_units
from dashboard.domain import AuditEntry, OrgUnit
from dashboard.geo.boundaries import (
    BOUNDARIES_IMPORTED,
    BoundaryFileError,
    apply_boundaries,
    check_boundaries,
    read_boundaries,
)
from dashboard.geo.report import report_lines, report_map

COUNTY = "350203"  # 思明分局
DRIVERS = {"geojson": "GeoJSON", "shp": "ESRI Shapefile", "gpkg": "GPKG"}


@pytest.fixture
def units(session) -> dict[str, OrgUnit]:
    build_demo_units(session, seed=7)
    session.commit()
    return {u.code: u for u in session.scalars(select(OrgUnit))}


def station_frame(units: dict[str, OrgUnit], county: str | None = None) -> gpd.GeoDataFrame:
    """The demo's station precincts as a bureau would send them: code, Chinese name, polygon."""
    stations = sorted((u for u in units.values() if u.level == "station"
                       and (county is None or u.parent.code == county)), key=lambda u: u.code)
    return gpd.GeoDataFrame(
        {"code": [u.code for u in stations], "name": [u.name_zh for u in stations]},
        geometry=[shape(json.loads(u.geometry)) for u in stations], crs="EPSG:4326")


def write(frame: gpd.GeoDataFrame, tmp_path, ext: str = "geojson"):
    path = tmp_path / f"precincts.{ext}"
    frame.to_file(path, driver=DRIVERS[ext], engine="pyogrio")
    return path


def forget_station_shapes(session) -> None:
    for unit in session.scalars(select(OrgUnit).where(OrgUnit.level == "station")):
        unit.geometry, unit.centroid_lon, unit.centroid_lat = None, None, None
    session.commit()


@pytest.mark.parametrize("ext", ["geojson", "shp", "gpkg"])
def test_each_format_reads_codes_and_chinese_names(units, session, tmp_path, ext):
    path = write(station_frame(units), tmp_path, ext)
    boundary_file = read_boundaries(path)
    by_code = {f.code: f for f in boundary_file.features}
    assert len(by_code) == 48 and boundary_file.rejected == []
    assert by_code["35020301"].name == "中华派出所"
    report = check_boundaries(session, boundary_file, "station")
    assert report.clean, report
    assert len(report.matched) == 48


def test_clean_file_stores_shapes_and_centroids_and_is_audited(units, session, tmp_path, engine):
    original = {c: shape(json.loads(u.geometry)) for c, u in units.items() if u.level == "station"}
    path = write(station_frame(units), tmp_path)
    forget_station_shapes(session)
    report = check_boundaries(session, read_boundaries(path), "station")
    changed = apply_boundaries(session, report, actor="cli:tester")
    session.commit()
    assert len(changed) == 48
    for unit in session.scalars(select(OrgUnit).where(OrgUnit.level == "station")):
        stored = shape(json.loads(unit.geometry))
        assert stored.symmetric_difference(original[unit.code]).area < 1e-9
        assert stored.covers(shapely.Point(unit.centroid_lon, unit.centroid_lat))
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == BOUNDARIES_IMPORTED)).one()
    assert entry.object == "boundaries:station" and entry.username == "cli:tester"
    assert json.loads(entry.detail)["updated"] == 48
    assert verify_chain(session) == (True, None)


def test_projected_input_is_reprojected_to_wgs84(units, session, tmp_path):
    frame = station_frame(units, COUNTY).to_crs("EPSG:3857")
    boundary_file = read_boundaries(write(frame, tmp_path, "gpkg"))
    assert "3857" in boundary_file.source_crs
    report = check_boundaries(session, boundary_file, "station")
    expected = shape(json.loads(units["35020301"].geometry))
    got = report.matched["35020301"]
    assert 118 < got.centroid.x < 119 and 24 < got.centroid.y < 25
    assert got.symmetric_difference(expected).area < 1e-9


def test_bow_tie_is_repaired_and_named(units, session, tmp_path):
    frame = station_frame(units, COUNTY)
    minx, miny, maxx, maxy = frame.geometry.iloc[0].bounds
    frame.loc[0, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    assert not frame.geometry.iloc[0].is_valid
    boundary_file = read_boundaries(write(frame, tmp_path))
    repaired = boundary_file.repaired
    assert [f.code for f in repaired] == [frame.loc[0, "code"]]
    assert repaired[0].geometry.is_valid and repaired[0].geometry.geom_type == "MultiPolygon"
    assert "#1" in repaired[0].label() and "中华派出所" in repaired[0].label()


def test_degenerate_polygon_is_rejected_with_the_feature_named(units, session, tmp_path):
    frame = station_frame(units, COUNTY)
    frame.loc[2, "geometry"] = Polygon([(118.0, 24.0), (118.5, 24.5), (119.0, 25.0)])  # flat
    boundary_file = read_boundaries(write(frame, tmp_path))
    [rejection] = boundary_file.rejected
    assert rejection.reason == "unrepairable" and rejection.feature.number == 3
    assert rejection.feature.code == frame.loc[2, "code"]
    report = check_boundaries(session, boundary_file, "station")
    assert not report.clean
    assert frame.loc[2, "code"] not in report.matched


def test_unknown_code_and_missing_unit_and_gap_are_reported(units, session, tmp_path):
    frame = station_frame(units, COUNTY)
    missing = frame.loc[1, "code"]
    frame.loc[1, "code"] = "99999999"
    report = check_boundaries(session, read_boundaries(write(frame, tmp_path)), "station")
    assert [f.code for f in report.unknown] == ["99999999"]
    assert missing in report.missing_units
    [gap] = report.gaps
    assert gap.codes[0] == COUNTY and missing not in gap.codes
    hole = shape(json.loads(units[missing].geometry))  # the stations around the gap are named
    around = {c for c in frame["code"] if c in units
              and shape(json.loads(units[c].geometry)).distance(hole) < 1e-6}
    assert around and set(gap.codes[1:]) == around
    missing_area = gpd.GeoSeries([shape(json.loads(units[missing].geometry))], crs=4326)
    assert gap.area_m2 == pytest.approx(missing_area.to_crs(32650).area.iloc[0], rel=0.01)
    assert shape(json.loads(units[missing].geometry)).covers(shapely.Point(gap.lon, gap.lat))
    assert not report.clean


def test_each_problem_carries_its_area_for_the_map(units, session, tmp_path):
    """The checker hands over the gap's own shape (WGS84); report_map names each by its stations."""
    frame = station_frame(units, COUNTY)
    missing = frame.loc[1, "code"]
    frame.loc[1, "code"] = "99999999"
    report = check_boundaries(session, read_boundaries(write(frame, tmp_path)), "station")
    [gap] = report.gaps
    hole = shape(json.loads(units[missing].geometry))
    assert gap.geometry.symmetric_difference(hole).area < 0.01 * hole.area
    drawn = report_map(report, "en")
    assert {f["id"] for f in drawn["shapes"]["features"]} == set(report.matched)
    by_kind = {p["kind"]: p for p in drawn["problems"]}
    assert set(by_kind) >= {"gap", "unknown"}
    assert by_kind["gap"]["codes"] == list(gap.codes) and by_kind["gap"]["label"] in report_lines(report, "en")
    assert shape(by_kind["gap"]["geometry"]).symmetric_difference(hole).area < 0.01 * hole.area
    assert by_kind["unknown"]["codes"] == ["99999999"]


def test_overlap_is_reported_with_both_codes(units, session, tmp_path):
    frame = station_frame(units, COUNTY)
    grown = frame.loc[0, "code"]
    frame.loc[0, "geometry"] = frame.geometry.iloc[0].buffer(0.003)  # about 300 m all round
    report = check_boundaries(session, read_boundaries(write(frame, tmp_path)), "station")
    assert report.overlaps and all(grown in f.codes for f in report.overlaps)
    assert all(f.area_m2 > 1_000 for f in report.overlaps)
    assert not report.clean


def test_county_file_of_the_real_districts_is_clean(units, session, tmp_path):
    counties = [u for u in units.values() if u.level == "county"]
    frame = gpd.GeoDataFrame({"adcode": [u.code for u in counties], "name": [u.name_zh for u in counties]},
                             geometry=[shape(json.loads(u.geometry)) for u in counties], crs=4326)
    boundary_file = read_boundaries(write(frame, tmp_path), code_field="adcode")
    report = check_boundaries(session, boundary_file, "county", tolerance_m2=50_000)
    assert len(report.matched) == 6 and not report.unknown and not report.overlaps


def test_missing_code_field_names_the_fields(units, tmp_path):
    path = write(station_frame(units, COUNTY), tmp_path)
    with pytest.raises(BoundaryFileError) as info:
        read_boundaries(path, code_field="bm")
    assert info.value.reason == "no_code_field" and "name" in info.value.params["fields"]


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_env(engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")


def station_shapes(session) -> dict[str, str | None]:
    session.expire_all()
    return {u.code: u.geometry for u in session.scalars(select(OrgUnit).where(OrgUnit.level == "station"))}


def test_cli_changes_nothing_until_accepted(units, session, tmp_path, cli_env, capsys):
    frame = station_frame(units)
    frame.loc[0, "code"] = "99999999"
    frame.loc[5, "geometry"] = frame.geometry.iloc[5].buffer(0.003)
    path = write(frame, tmp_path, "shp")
    forget_station_shapes(session)

    assert main(["import-boundaries", str(path), "--level", "station"]) == 1
    out = capsys.readouterr().out
    assert "99999999" in out and "Overlap" in out and "Unit without a polygon: 35020301 Zhonghua Station" in out
    assert "Nothing changed" in out
    [gap] = [line for line in out.splitlines() if line.startswith("Gap:")]
    assert "350203 Siming" in gap and "between 350203" in gap  # the stations around it, by name
    assert all(g is None for g in station_shapes(session).values())

    assert main(["import-boundaries", str(path), "--level", "station", "--accept"]) == 0
    assert "Updated the shape and centroid of 47 station units" in capsys.readouterr().out
    shapes = station_shapes(session)
    assert shapes["35020301"] is None and sum(g is not None for g in shapes.values()) == 47
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == BOUNDARIES_IMPORTED)).one()
    assert json.loads(entry.detail)["accepted_problems"] is True


def test_cli_applies_a_clean_file_in_chinese(units, session, tmp_path, cli_env, monkeypatch, capsys):
    monkeypatch.setenv("DEFAULT_LANGUAGE", "zh-CN")
    path = write(station_frame(units), tmp_path, "gpkg")
    forget_station_shapes(session)
    assert main(["import-boundaries", str(path), "--level", "station"]) == 0
    assert "已更新 48 个派出所单位" in capsys.readouterr().out
    assert all(g is not None for g in station_shapes(session).values())


@pytest.mark.parametrize(("args", "needle"), [
    (["--code-field", "bm"], "--code-field"),
    (["--level", "county"], "--level"),
    (["--tolerance", "-1"], "--tolerance"),
])
def test_cli_mistakes_are_one_line(units, tmp_path, cli_env, capsys, args, needle):
    path = write(station_frame(units, COUNTY), tmp_path)
    argv = ["import-boundaries", str(path)] + (args if "--level" in args else ["--level", "station"] + args)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_cli_missing_file_is_one_line(tmp_path, cli_env, capsys):
    assert main(["import-boundaries", str(tmp_path / "none.geojson"), "--level", "station"]) == 2
    assert "no such file" in capsys.readouterr().err


def metre_geojson(tmp_path, units) -> str:
    """A GeoJSON whose coordinates are metres (EPSG:3857) but which says nothing of it."""
    frame = station_frame(units, COUNTY).to_crs("EPSG:3857")
    data = json.loads(frame.to_json())
    data.pop("crs", None)
    path = tmp_path / "metres.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_metre_coordinates_without_a_crs_are_refused_with_a_hint(units, tmp_path):
    with pytest.raises(BoundaryFileError) as info:
        read_boundaries(metre_geojson(tmp_path, units))
    assert info.value.reason == "metres_no_crs"
    boundary_file = read_boundaries(metre_geojson(tmp_path, units), crs="EPSG:3857")
    assert 118 < boundary_file.features[0].geometry.centroid.x < 119


@pytest.mark.parametrize(("lang", "needle"), [("en", "--crs"), ("zh-CN", "请用 --crs 指定")])
def test_cli_metre_coordinates_suggest_crs_in_one_line(units, tmp_path, cli_env, monkeypatch, capsys,
                                                      lang, needle):
    monkeypatch.setenv("DEFAULT_LANGUAGE", lang)
    assert main(["import-boundaries", metre_geojson(tmp_path, units), "--level", "station"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "EPSG:4548" in err and len(err.strip().splitlines()) == 1


def test_cli_locked_database_is_one_line(units, engine, tmp_path, cli_env, monkeypatch, capsys):
    if engine.url.get_backend_name() != "sqlite":
        pytest.skip("a database file locked by another writer is SQLite's case")
    import sqlite3

    from dashboard import db

    def quick_pragmas(dbapi_conn, record):
        db_pragmas(dbapi_conn, record)
        dbapi_conn.execute("PRAGMA busy_timeout=50")  # the test need not wait ten seconds

    db_pragmas = db._sqlite_pragmas
    monkeypatch.setattr(db, "_sqlite_pragmas", quick_pragmas)
    path = write(station_frame(units, COUNTY), tmp_path)
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE org_units SET population = population WHERE id = 1")
        assert main(["import-boundaries", str(path), "--level", "station", "--accept"]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "database is locked" in err
    assert "Traceback" not in err and "UPDATE" not in err


def test_a_district_file_is_taken_for_that_district_alone(units, session, tmp_path):
    from dashboard.commands.import_boundaries import ImportBoundaries

    path = write(station_frame(units, COUNTY), tmp_path)
    forget_station_shapes(session)
    whole_city = ImportBoundaries("cli:test", path, "station").run(session)
    assert whole_city.stored == 0 and whole_city.report.missing_units  # other districts missed
    session.rollback()
    upload = ImportBoundaries("cli:test", path, "station", district=COUNTY).run(session)
    session.commit()
    assert upload.report.clean and not upload.report.missing_units
    stored = {code for code, shape_ in station_shapes(session).items() if shape_ is not None}
    assert stored and stored == {u.code for u in units.values()
                                 if u.level == "station" and u.parent.code == COUNTY}
    assert upload.stored == len(stored)
