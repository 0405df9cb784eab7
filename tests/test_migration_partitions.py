"""Migration 0025 converts a seeded installation in place: every row, the key tables, the indexes,
the months (PostgreSQL), ingest and the aggregates afterwards; going down gives the rows back."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from dashboard import migrate
from dashboard.aggregates import rebuild
from dashboard.auth.scope import scope_for_unit
from dashboard.demo.seed import seed_demo
from dashboard.domain import AGGREGATE_MODELS, SHANGHAI, DissuasionKey, OrgUnit, Warning, WarningKey
from dashboard.ingest.tokens import create_token
from dashboard.metrics.period import Period
from dashboard.metrics.volume import warnings_by_unit
from dashboard.partitions import MONTHS_AHEAD, attached_months, ensure_months, month_start
from dashboard.paths import PACKAGE_DIR

END = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
HISTORY = ("warnings", "dissuasions", "tasks", "cases", "stop_payments")
MIGRATION = PACKAGE_DIR / "migrations" / "versions" / "0025_partitioned_history.py"


def _keys(engine, table: str, key_id: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            f"SELECT {key_id}, source, external_id FROM {table} ORDER BY {key_id}"))]


def _by_name(engine, table: str) -> list[dict]:
    """Rows as dicts (the column order of a converted table is the same, checked separately)."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def _aggregates(engine) -> dict:
    with engine.connect() as conn:
        return {m.__table__.name: sorted(tuple(str(v) for v in r) for r in conn.execute(select(m.__table__)))
                for m in AGGREGATE_MODELS}


def _volume(engine) -> list[tuple]:
    """The dashboards' warnings by station over a period whose edges are read from the raw rows."""
    with Session(engine) as session:
        city = session.query(OrgUnit).filter_by(level="city").one()
        period = Period(END - timedelta(days=40, minutes=17), END - timedelta(minutes=23))
        frame = warnings_by_unit(session, scope_for_unit(city), period, "station")
        return sorted(map(tuple, frame.itertuples(index=False)))


def _post(engine, tmp_path, kind: str, records: list[dict]) -> dict:
    from dashboard import create_app

    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                      "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with Session(engine) as session, session.begin():
        _, token = create_token(session, "upstream")
    return app.test_client().post(f"/api/v1/{kind}", json=records,
                                  headers={"Authorization": f"Bearer {token}"}).get_json()


def test_0025_converts_a_seeded_history_in_place_and_going_down_gives_it_back(engine, tmp_path):
    postgresql = engine.dialect.name == "postgresql"
    try:
        # the demo loader writes the head's schema (it analyses the key tables): seeded there, the
        # history goes down to 0024 as an installation of 0024 holds it, then up again
        seed_demo(engine, days=100, end=END, seed=5, daily_warnings=25)
        seeded = {t: _by_name(engine, t) for t in HISTORY}
        migrate.downgrade(engine, "0024")
        assert "warning_keys" not in inspect(engine).get_table_names()
        before = {t: _by_name(engine, t) for t in HISTORY}
        assert before == seeded
        columns = {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in HISTORY}
        aggregates, volume = _aggregates(engine), _volume(engine)
        assert len(before["warnings"]) > 1000 and before["dissuasions"] and before["tasks"]

        migrate.upgrade(engine)
        assert {t: _by_name(engine, t) for t in HISTORY} == before
        assert {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in HISTORY} == columns
        assert _aggregates(engine) == aggregates and _volume(engine) == volume
        # the keys: one a warning, one an attempt that came with a key; nothing else
        assert _keys(engine, "warning_keys", "warning_id") == [
            (w["id"], w["source"], w["external_id"]) for w in before["warnings"]]
        assert _keys(engine, "dissuasion_keys", "dissuasion_id") == [
            (d["id"], d["source"], d["external_id"]) for d in before["dissuasions"] if d["source"]]
        indexes = {i["name"] for i in inspect(engine).get_indexes("warnings")}
        assert "uq_warnings_source_external_id" not in indexes
        for name, table in (("uq_warning_keys_source_external_id", "warning_keys"),
                            ("uq_dissuasion_keys_source_external_id", "dissuasion_keys")):
            assert name in {i["name"] for i in inspect(engine).get_indexes(table)}
        for table in ("dissuasions", "tasks", "cases", "stop_payments"):
            assert [(k["referred_table"], k["referred_columns"]) for k in inspect(engine).get_foreign_keys(table)
                    if k["constrained_columns"] == ["warning_id"]] == [("warning_keys", ["warning_id"])]
        if postgresql:
            _check_partitions(engine, before)

        # ingest on the converted tables: a new warning gets the next id, a resend is a duplicate,
        # an attempt goes in with its key, and the aggregates equal the raw rows
        received = datetime.now(SHANGHAI).replace(microsecond=0) - timedelta(minutes=10)
        new = {"source": "upstream", "external_id": "P-1", "received_at": received.isoformat(),
               "fraud_type": "investment", "risk_level": "high", "channel": "call",
               "station_code": "35020301", "amount_at_risk": 50000}
        first = _post(engine, tmp_path, "warnings", [new])
        assert first["inserted"] == 1 and first["results"][0]["id"] > max(w["id"] for w in before["warnings"])
        assert _post(engine, tmp_path, "warnings", [new])["duplicate"] == 1
        attempt = {"source": "upstream", "external_id": "A-1", "warning_external_id": "P-1",
                   "method": "phone", "result": "no_answer",
                   "started_at": (received + timedelta(minutes=5)).isoformat()}
        assert _post(engine, tmp_path, "outcomes", [attempt])["inserted"] == 1
        assert _post(engine, tmp_path, "outcomes", [attempt])["duplicate"] == 1
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(DissuasionKey).where(
                DissuasionKey.external_id == "A-1")) == 1
            assert session.scalar(select(func.count()).select_from(WarningKey)) == len(before["warnings"]) + 1
            assert session.scalar(select(Warning.id).join(
                WarningKey, WarningKey.warning_id == Warning.id).where(WarningKey.external_id == "P-1")) == \
                first["results"][0]["id"]
            ingested = _aggregates(engine)
            rebuild(session.connection())
            session.commit()
        assert _aggregates(engine) == ingested

        migrate.downgrade(engine, "0024")
        after = {t: _by_name(engine, t) for t in HISTORY}
        assert [w for w in after["warnings"] if w["external_id"] != "P-1"] == before["warnings"]
        assert {i["name"] for i in inspect(engine).get_indexes("warnings")} >= {"uq_warnings_source_external_id"}
        assert "warning_keys" not in inspect(engine).get_table_names()
        assert [(k["referred_table"]) for k in inspect(engine).get_foreign_keys("tasks")
                if k["constrained_columns"] == ["warning_id"]] == ["warnings"]
    finally:
        migrate.upgrade(engine)  # the next test's reset empties it (PostgreSQL: the schema is shared)


def _check_partitions(engine, before: dict) -> None:
    """Every month of the data has its partition, and the months ahead; the default is empty."""
    with engine.connect() as conn:
        for table, column in (("warnings", "received_at"), ("dissuasions", "started_at")):
            assert conn.scalar(text(f"SELECT relkind FROM pg_class WHERE oid = to_regclass('{table}')")) == "p"
            months = attached_months(conn, table)
            first = min(r[column] for r in before[table]).date()
            last = max(max(r[column] for r in before[table]).date(), date.today())
            expected, month = [], month_start(first)
            while month <= month_start(last, MONTHS_AHEAD):
                expected.append(month)
                month = month_start(month, 1)
            assert months == expected
            assert conn.scalar(text(f"SELECT count(*) FROM {table}_default")) == 0
            for month in months[:-MONTHS_AHEAD]:  # each row in its month
                inside = conn.scalar(text(f"SELECT count(*) FROM {table}_p{month:%Y%m}"))
                assert inside == sum(1 for r in before[table] if month_start(r[column].date()) == month)
            names = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": table}))
            assert {"pk_" + table} | ({"ix_warnings_station_received", "ix_warnings_received_unit",
                                       "ix_warnings_open"} if table == "warnings"
                                      else {"ix_dissuasions_warning_id"}) <= names
            assert conn.scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')")) is not None


def test_new_months_get_their_partition_and_the_rows_of_the_default_move_into_it(engine):
    if engine.dialect.name != "postgresql":
        return  # SQLite keeps one table
    later = month_start(date.today(), MONTHS_AHEAD + 3)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_units (id, code, name_zh, name_en, level, path)"
                          " VALUES (1, '990000', 'c', 'c', 'city', '990000')"))
        conn.execute(text(
            "INSERT INTO warnings (source, external_id, received_at, fraud_type, risk_level, channel, county_id,"
            " station_id, status, deadline_at, amount_at_risk, loss, loss_avoided, version) VALUES"
            " ('t', 'far', :at, 'investment', 'high', 'call', 1, 1, 'dispatched', :at, 0, 0, 0, 1)"),
            {"at": datetime(later.year, later.month, 3, 9, 0)})
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM warnings_default")) == 1
        assert ensure_months(conn, today=later) == [f"warnings_p{later:%Y%m}", f"warnings_p{month_start(later, 1):%Y%m}",
                                                   f"warnings_p{month_start(later, 2):%Y%m}"] + [
            f"dissuasions_p{month_start(later, k):%Y%m}" for k in range(3)]
        assert conn.scalar(text("SELECT count(*) FROM warnings_default")) == 0
        assert conn.scalar(text(f"SELECT count(*) FROM warnings_p{later:%Y%m}")) == 1
        assert conn.scalar(text("SELECT count(*) FROM warning_keys WHERE external_id = 'far'")) == 1
        assert ensure_months(conn, today=later) == []
        for table in ("warnings", "dissuasions"):  # the schema is shared by the run's tests
            for k in range(3):
                conn.execute(text(f"DROP TABLE {table}_p{month_start(later, k):%Y%m}"))

def test_0025_imports_nothing_of_the_app():
    tree = ast.parse(MIGRATION.read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in modules if m and m.split(".")[0] == "dashboard"}
