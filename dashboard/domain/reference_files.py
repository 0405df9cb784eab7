"""The reference lists as their files hold them: ``data/reference/<table>.csv``, one per list.

``read_reference_file(model)`` gives each row as a dict of the model's
columns, typed (0/1 as booleans, whole numbers as ints), or raises
``ReferenceFileError`` naming the file, line and column.  Loading them into
their tables is ``dashboard.ingest.reference``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Boolean, Integer

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
