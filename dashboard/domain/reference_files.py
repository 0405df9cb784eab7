"""The reference lists as their files hold them: ``data/reference/<table>.csv``, one per list.

``read_reference_file(model)`` gives each row as a dict of the model's
columns, typed (0/1 as booleans, whole numbers as ints), or raises
``ReferenceFileError`` naming the file, line and column.  Loading them into
their tables is ``dashboard.ingest.reference``.  ``read_outcome_colors``
reads the outcomes' colours (``outcome_colors.csv``), which only the
figures use.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import Boolean, Integer

from dashboard.domain.reference import Outcome
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


HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
OUTCOME_COLORS_FILE = "outcome_colors.csv"


def read_outcome_colors(directory: Path = REFERENCE_DIR) -> dict[str, str]:
    """Each outcome's colour in the outcome donut (``outcome_colors.csv``: code, color).

    Colours from a palette safe for colour-blind readers (Okabe-Ito), one per
    outcome.  Raises ``ReferenceFileError`` naming the file, line and column
    for a colour that is not ``#RRGGBB``, a colour or code given twice, or an
    outcome of ``outcomes.csv`` without a colour.
    """
    path = directory / OUTCOME_COLORS_FILE
    colors: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "color"} - set(reader.fieldnames or [])
        if missing:
            raise ReferenceFileError(f"{path.name}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            code, color = (row["code"] or "").strip(), (row["color"] or "").strip()
            if not HEX_COLOR.match(color):
                raise ReferenceFileError(f"{path.name} line {line}: column 'color' must be #RRGGBB, got {color!r}")
            if code in colors:
                raise ReferenceFileError(f"{path.name} line {line}: column 'code': {code!r} is given twice")
            if color.upper() in (c.upper() for c in colors.values()):
                raise ReferenceFileError(f"{path.name} line {line}: column 'color': {color} is already "
                                         "another outcome's (each outcome has its own colour)")
            colors[code] = color
    lacking = [row["code"] for row in read_reference_file(Outcome, directory) if row["code"] not in colors]
    if lacking:
        raise ReferenceFileError(f"{path.name}: no colour for the outcomes {lacking} of outcomes.csv")
    return colors
