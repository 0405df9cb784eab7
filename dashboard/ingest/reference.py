"""Load the reference lists of ``data/reference/*.csv`` into their tables.

Each CSV is named after its table.  Loading is an upsert: new codes are
added, names and attributes of known codes are updated, and codes that are
no longer in the file are kept (old records still point at them).  The
starter dissuasion playbooks are loaded with them, for fraud types that have
none yet (``dashboard.ingest.playbooks``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Boolean, Integer, select
from sqlalchemy.orm import Session

from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.paths import REFERENCE_DIR


class ReferenceFileError(ValueError):
    """A reference CSV is missing a column or holds a value of the wrong type."""


def _convert(model, column: str, raw: str, path: Path, line: int):
    col = model.__table__.columns.get(column)
    if col is None:
        raise ReferenceFileError(f"{path.name} line {line}: unknown column '{column}'")
    if isinstance(col.type, Boolean):
        if raw not in {"0", "1"}:
            raise ReferenceFileError(f"{path.name} line {line}: column '{column}' must be 0 or 1, got {raw!r}")
        return raw == "1"
    if isinstance(col.type, Integer):
        try:
            return int(raw)
        except ValueError:
            raise ReferenceFileError(
                f"{path.name} line {line}: column '{column}' must be a whole number, got {raw!r}"
            ) from None
    if not raw:
        raise ReferenceFileError(f"{path.name} line {line}: column '{column}' is empty")
    return raw


def read_reference_file(model, directory: Path = REFERENCE_DIR) -> list[dict]:
    path = directory / f"{model.__tablename__}.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        required = {c.name for c in model.__table__.columns}
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise ReferenceFileError(f"{path.name}: missing columns {sorted(missing)}")
        return [
            {k: _convert(model, k, (v or "").strip(), path, i) for k, v in row.items()}
            for i, row in enumerate(reader, start=2)
        ]


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
    from dashboard.ingest.playbooks import load_playbooks

    counts["dissuasion_playbooks"] = load_playbooks(session)
    return counts
