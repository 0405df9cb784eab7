"""``antifraud seed-demo``: the demo city and its history, in one transaction.

Refuses to write into a database that already holds warnings unless
``force`` is given, in which case the operational history (not units or
users) is replaced.  Prints progress and, at the end, wall time and row
counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from dashboard.demo.calibration import calibration
from dashboard.demo.chunks import plan_chunks
from dashboard.demo.history import Stations
from dashboard.demo.loader import load_history
from dashboard.demo.tasks import seed_task_history
from dashboard.demo.units import build_demo_units
from dashboard.demo.users import create_demo_users
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import Base, now_local, to_local_naive
from dashboard.domain.personal_data import cipher
from dashboard.ingest.arrivals import rebuild_from_warnings
from dashboard.ingest.reference import load_reference_data

CITY_CENTRE = (118.11, 24.48)  # lon, lat: Siming / Huli, the busiest part of town


class DatabaseNotEmpty(RuntimeError):
    """Seeding would mix demo history into existing data."""


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _stations(session: Session) -> Stations:

    rows = session.scalars(select(OrgUnit).where(OrgUnit.level == "station").order_by(OrgUnit.code)).all()
    lon = np.array([r.centroid_lon for r in rows])
    lat = np.array([r.centroid_lat for r in rows])
    km = np.hypot((lon - CITY_CENTRE[0]) * 101, (lat - CITY_CENTRE[1]) * 111)
    weight = np.array([r.population for r in rows], dtype=float) * (1 + 1.5 * np.exp(-km / 8))
    return Stations(
        ids=np.array([r.id for r in rows]), county_ids=np.array([r.parent_id for r in rows]),
        codes=[r.code for r in rows], weights=weight / weight.sum(), lon=lon, lat=lat,
    )


def has_history(conn: Connection) -> bool:
    return bool(conn.scalar(select(func.count()).select_from(Warning.__table__)))


def analyze(engine: Engine) -> None:
    """PostgreSQL's ANALYZE of every table of the app: the planner's statistics after a bulk load.

    Without them the planner guesses the sizes of tables it has never
    measured, and picked plans thousands of times slower on a year of a
    large city (autovacuum would get there only later).
    """
    names = ", ".join(engine.dialect.identifier_preparer.quote(t.name) for t in Base.metadata.sorted_tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"ANALYZE {names}"))


def seed_demo(engine: Engine, *, days: int = 730, end: datetime | None = None, seed: int = 7,
              daily_warnings: float | None = None, force: bool = False, workers: int | None = None,
              progress: Callable[[str], None] | None = None, growth: float | None = None) -> SeedReport:
    """Write the demo city and ``days`` of history ending at ``end`` (default: now).

    Units and reference lists are written first (they are kept by --force);
    the history is then replaced in one transaction: a failure leaves the
    previous history as it was.  ``growth``: the volume's growth year on
    year up to ``daily_warnings`` on the last day (None: the calibration's).
    """
    if days < 1:
        raise ValueError("days: must be at least 1")
    if growth is not None and not growth > -1:
        raise ValueError("growth: must be above -1 (a year's volume cannot fall to nothing)")
    started = time.perf_counter()
    end = to_local_naive(end or now_local()).replace(microsecond=0)
    with engine.begin() as conn:
        if has_history(conn) and not force:
            raise DatabaseNotEmpty(
                "the database already holds warnings; use --force to replace the demo history")
        session = Session(bind=conn)
        load_reference_data(session)
        units = build_demo_units(session, seed=seed)
        create_demo_users(session)
        session.flush()
        stations = _stations(session)
    report = SeedReport(counts={"org_units": len(units)})
    if progress:
        progress(f"units: {len(units)} (1 city, 6 districts, {len(stations.ids)} stations)")

    tasks = plan_chunks(np.datetime64(end, "s"), days, seed, stations,
                        daily_warnings or calibration()["daily_warnings"], cipher().key, growth)
    report.counts.update(load_history(engine, tasks, seed, stations, workers, progress))
    if progress:
        progress("writing the task history")
    report.counts.update(seed_task_history(engine, end=end, days=days, seed=seed))
    with engine.begin() as conn:  # each source's usual rate, from the history (one GROUP BY)
        report.counts["feed_arrivals"] = rebuild_from_warnings(conn)
    if engine.dialect.name == "postgresql":
        if progress:
            progress("updating the planner's statistics")
        analyze(engine)
    report.seconds = time.perf_counter() - started
    return report
