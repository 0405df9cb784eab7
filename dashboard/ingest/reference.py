"""Load the reference lists of ``data/reference/*.csv`` into their tables.

Each CSV is named after its table.  Loading is an upsert: new codes are
added, names and attributes of known codes are updated, and codes that are
no longer in the file are kept (old records still point at them).  The
starter dissuasion playbooks are loaded with them, for fraud types that have
none yet (``dashboard.ingest.playbooks``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.domain.reference_files import read_reference_file
from dashboard.ingest.playbooks import load_playbooks
from dashboard.paths import REFERENCE_DIR


def load_reference_data(session: Session, directory: Path = REFERENCE_DIR) -> dict[str, int]:
    """Upsert every reference list; return the number of rows per table."""
    counts: dict[str, int] = {}
    for model in REFERENCE_MODELS:
        rows = read_reference_file(model, directory)
        existing = {obj.code: obj for obj in session.scalars(select(model))}
        for row in rows:
            obj = existing.get(row["code"])
            if obj is None:
                session.add(model(**row))
            else:
                for key, value in row.items():
                    setattr(obj, key, value)
        counts[model.__tablename__] = len(rows)
    session.flush()

    counts["dissuasion_playbooks"] = load_playbooks(session)
    return counts
