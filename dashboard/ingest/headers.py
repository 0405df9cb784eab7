"""Column headers in Chinese or English: which field each column of a file holds.

A header is a field's API name (``received_at``, ``person_phone`` or
``person.phone``), one of its names in ``data/reference/import_headers.csv``
(接警时间, 派出所编码, 涉案金额, ...), or what the import maps it to
(``--map "列名=field"``).  Letters are compared ignoring case, full-width
forms and spaces.  An amount column whose header names its unit in brackets
is read in that unit: ``涉案金额（万元）`` multiplies by 10,000, ``（元）`` by 1.

The ``--map`` of an import with ``--source`` is saved for that source
(``import_header_maps``) and used on its next imports, below any ``--map``
given then.  Saving or changing a source's mapping is audited.  A column named
as ``refused_reason`` (拒收原因, the reason column of the refused rows' file
the import page gives back) is ignored, so that file imports once corrected.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain.ingest import ImportHeaderMap
from dashboard.domain.text import has_personal_number
from dashboard.paths import REFERENCE_DIR

HEADERS_FILE = REFERENCE_DIR / "import_headers.csv"
UNIT = re.compile(r"^(?P<name>.+?)\s*[(\[](?P<unit>万元|元|万|rmb|yuan|cny)[)\]]$", re.IGNORECASE)
MULTIPLIERS = {"万元": 10_000, "万": 10_000}
IGNORED_FIELD = "refused_reason"  # the reason column of a refused rows' file: read as no field


class MappingError(ValueError):
    """A ``--map`` that is not ``column=field``; ``reason`` names the message, ``params`` its values."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.params = params


def header_key(text: str) -> str:
    """A header as compared: NFKC, no spaces, case folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@cache
def header_names(path: Path = HEADERS_FILE) -> dict[str, str]:
    """header key -> field name, from the data file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {header_key(row["header"]): row["field"].strip() for row in csv.DictReader(fh)}


def parse_maps(items) -> dict[str, str]:
    """``["列名=field", ...]`` as header key -> field; a malformed item is a MappingError."""
    maps: dict[str, str] = {}
    for item in items or ():
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip() or has_personal_number(column):
            raise MappingError("bad_map", item=item)
        maps[header_key(column)] = field.strip()
    return maps


def resolve(header: str, maps: dict[str, str]) -> tuple[str, int]:
    """The field name a header stands for (lower case, maybe unknown) and its amount multiplier."""
    key = header_key(header)
    if key in maps:
        return maps[key].lower(), 1
    multiplier = 1
    unit = UNIT.match(key)
    names = header_names()
    if key not in names and unit is not None:
        key, multiplier = unit["name"], MULTIPLIERS.get(unit["unit"], 1)
    return names.get(key, key), multiplier


def saved_maps(session: Session, source: str) -> dict[str, str]:
    """The header key -> field maps saved for ``source``."""
    return dict(session.execute(select(ImportHeaderMap.header, ImportHeaderMap.field).where(
        ImportHeaderMap.source == source)).all())


def save_maps(session: Session, source: str, maps: dict[str, str], now: datetime, *,
              actor=None) -> dict[str, tuple[str | None, str]]:
    """Keep ``maps`` for ``source``'s next imports (a header mapped again takes its new field).

    What changed (header: (old field or None, new field)) is audited as one
    ``header_map_saved`` entry naming the source and the mapping; a mapping
    saved again unchanged writes nothing.  Returns the changes.
    """
    changed: dict[str, tuple[str | None, str]] = {}
    for header, field in maps.items():
        row = session.get(ImportHeaderMap, (source, header))
        if row is None:
            session.add(ImportHeaderMap(source=source, header=header, field=field, saved_at=now))
            changed[header] = (None, field)
        elif row.field != field:
            changed[header] = (row.field, field)
            row.field, row.saved_at = field, now
    if changed:
        session.flush()
        audit.record(session, user=actor, action=audit.HEADER_MAP_SAVED,
                     object=f"import_source:{source}", at=now,
                     detail={"source": source, "mapping": {h: f for h, (_, f) in changed.items()},
                             "before": {h: old for h, (old, _) in changed.items() if old}})
    return changed
