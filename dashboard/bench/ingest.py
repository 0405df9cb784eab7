"""Warnings per second into the bench database: the ingest API and the file import.

Both write new warnings with the aggregates maintained in the same
transaction, as in production.  Records are made up here, spread over the
demo stations, fraud types, risk levels and channels, with received times
in the last hour.
"""

from __future__ import annotations

import csv
import random
import secrets
import string
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.aggregates import apply, snapshots
from dashboard.domain import OrgUnit, Warning
from dashboard.domain.base import now_local
from dashboard.domain.reference_files import read_reference_file
from dashboard.ingest.file_import import import_file
from dashboard.ingest.tokens import create_token

BATCH = 1000
SOURCE = "bench"
FIELDS = ["source", "external_id", "received_at", "fraud_type", "risk_level", "channel",
          "person_name", "person_phone", "person_id_number", "station_code", "amount_at_risk"]
NAMES = ["王芳", "李建国", "陈思思", "张伟", "欧阳娜娜", "林美玲"]


def _codes(model_name: str) -> list[str]:
    from dashboard.domain import reference

    return [row["code"] for row in read_reference_file(getattr(reference, model_name))]


class RecordMaker:
    """Made-up warnings with external ids unique to this run (``prefix``)."""

    def __init__(self, engine, seed: int = 5) -> None:
        with Session(engine) as session:
            self.stations = list(session.scalars(select(OrgUnit.code).where(OrgUnit.level == "station")))
        self.types, self.risks = _codes("FraudType"), _codes("RiskLevel")
        self.channels = _codes("Channel")
        self.rng = random.Random(seed)
        # not from the seed: a database kept for another run (--reuse) has this run's ids already
        self.prefix = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
        self.count = 0

    def record(self) -> dict:
        rng, self.count = self.rng, self.count + 1
        at = now_local() - timedelta(seconds=rng.randrange(3600))
        return {"source": SOURCE, "external_id": f"{self.prefix}-{self.count}",
                "received_at": at.isoformat(timespec="seconds"), "fraud_type": rng.choice(self.types),
                "risk_level": rng.choice(self.risks), "channel": rng.choice(self.channels),
                "person": {"name": rng.choice(NAMES), "phone": f"139{rng.randrange(10**8):08d}",
                           "id_number": "35020319900101123X"},
                "station_code": rng.choice(self.stations), "amount_at_risk": rng.randrange(100, 500_000)}


def _rate(count: int, seconds: float) -> dict:
    return {"warnings": count, "seconds": round(seconds, 3),
            "per_second": round(count / seconds, 1) if seconds else None}


def through_api(app, engine, records: int) -> dict:
    """POST /api/v1/warnings in batches of ``BATCH``; every record must be inserted."""
    with Session(engine) as session, session.begin():
        _, token = create_token(session, SOURCE)
    maker, client = RecordMaker(engine, seed=5), app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    inserted, elapsed = 0, 0.0
    while inserted < records:
        body = [maker.record() for _ in range(min(BATCH, records - inserted))]
        started = time.perf_counter()
        response = client.post("/api/v1/warnings", json=body, headers=headers)
        elapsed += time.perf_counter() - started
        answer = response.get_json() or {}
        done = answer.get("inserted")
        if response.status_code != 200 or done != len(body):
            raise RuntimeError(f"ingest API: HTTP {response.status_code} {str(answer)[:300]}")
        inserted += done
    return _rate(inserted, elapsed)


def through_file(db_session_scope, engine, records: int) -> dict:
    """``antifraud import`` of a CSV of ``records`` warnings (the same ``import_file``)."""
    maker = RecordMaker(engine, seed=6)
    with tempfile.TemporaryDirectory(prefix="antifraud-bench-") as folder:
        path = Path(folder) / "warnings.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(FIELDS)
            for _ in range(records):
                r = maker.record()
                p = r.pop("person")
                writer.writerow([*(r[f] for f in FIELDS[:6]), p["name"], p["phone"], p["id_number"],
                                 r["station_code"], r["amount_at_risk"]])
        summary = import_file(db_session_scope, path, batch_size=BATCH, actor="cli:bench",
                              report_path=Path(folder) / "report.csv")
    if summary.error is not None or summary.counts.get("inserted") != records:
        raise RuntimeError(f"import: {summary.counts} {summary.error}")
    return _rate(records, summary.seconds)


def remove_ingested(engine) -> int:
    """Take the bench's own warnings out again, with their part of the aggregates; how many.

    A kept file (``--path``, measured again with ``--reuse``) would otherwise
    carry tens of thousands of warnings received in one hour and never
    answered, and the next run's live counters and queue would count them.
    """
    with Session(engine) as session, session.begin():
        ingested = list(session.scalars(select(Warning).where(Warning.source == SOURCE)))
        apply(session, snapshots(session, ingested), [])
        session.execute(delete(Warning).where(Warning.source == SOURCE))
    return len(ingested)
