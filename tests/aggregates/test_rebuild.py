"""The aggregates written by the demo's bulk load equal a rebuild from the raw rows."""

from __future__ import annotations

from sqlalchemy import func, select

from dashboard.aggregates import rebuild
from dashboard.domain import AGGREGATE_MODELS, Warning
from dashboard.domain.aggregates import COUNTY_TWINS, WarningDay


def table_rows(conn) -> dict[str, list[tuple]]:
    return {model.__table__.name: sorted(tuple(str(v) for v in row) for row in conn.execute(
        select(*model.__table__.columns))) for model in AGGREGATE_MODELS}


def test_seeded_aggregates_equal_a_rebuild(seeded_engine):
    with seeded_engine.connect() as conn:
        transaction = conn.begin()
        written = table_rows(conn)
        assert all(written[m.__table__.name] for m in AGGREGATE_MODELS), "an aggregate table is empty"
        rebuild(conn)
        assert table_rows(conn) == written
        transaction.rollback()


def test_county_twins_are_the_station_sums(seeded_engine):
    with seeded_engine.connect() as conn:
        for station_model, twin in COUNTY_TWINS.items():
            measures = [c.name for c in twin.__table__.columns if not c.primary_key]
            station = conn.execute(select(*(func.sum(station_model.__table__.c[m]) for m in measures))).one()
            county = conn.execute(select(*(func.sum(twin.__table__.c[m]) for m in measures))).one()
            assert station == county


def test_every_warning_is_counted_once(seeded_engine):
    with seeded_engine.connect() as conn:
        assert conn.scalar(select(func.sum(WarningDay.received))) == conn.scalar(
            select(func.count()).select_from(Warning))
