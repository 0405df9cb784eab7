"""Load the starter dissuasion playbooks (``data/playbooks/dissuasion_playbooks.json``).

The file holds one entry per fraud type of ``data/reference/fraud_types.csv``:
``{"<fraud type>": {"zh": [points], "en": [points]}}`` (keys starting with
``_`` are comments).  Loading inserts a playbook only for fraud types that
have none yet: a text an admin has edited is never overwritten, and a fraud
type added to the reference list later gets its starter text at the next
``antifraud init-db``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain.playbooks import POINT_MAX, POINTS_MAX, DissuasionPlaybook
from dashboard.domain.reference import FraudType
from dashboard.paths import DATA_DIR

PLAYBOOKS_FILE = DATA_DIR / "playbooks" / "dissuasion_playbooks.json"
LANGUAGES = ("zh", "en")


class PlaybookFileError(ValueError):
    """The starter file does not match the fraud types, or holds an unusable text."""


def read_playbooks(path: Path = PLAYBOOKS_FILE) -> dict[str, dict[str, str]]:
    """``{fraud type: {"zh": text, "en": text}}`` from the file, checked (one point a line)."""
    with path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    if not isinstance(raw, dict):
        raise PlaybookFileError(f"{path.name}: must be an object keyed by fraud type")
    out: dict[str, dict[str, str]] = {}
    for code, entry in raw.items():
        if code.startswith("_"):
            continue
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
            raise PlaybookFileError(f"{path.name}: {code}: needs exactly the keys zh and en")
        texts = {}
        for lang in LANGUAGES:
            points = entry[lang]
            if (not isinstance(points, list) or not 1 <= len(points) <= POINTS_MAX
                    or not all(isinstance(p, str) and p.strip() and "\n" not in p
                               and len(p) <= POINT_MAX for p in points)):
                raise PlaybookFileError(
                    f"{path.name}: {code}.{lang}: 1 to {POINTS_MAX} one-line points of at most "
                    f"{POINT_MAX} characters")
            texts[lang] = "\n".join(p.strip() for p in points)
        out[code] = texts
    return out


def load_playbooks(session: Session, path: Path = PLAYBOOKS_FILE) -> int:
    """Insert the starter playbook of every fraud type that has none; the number inserted.

    Every fraud type in the database must have a starter text in the file, and
    every entry of the file must name a known fraud type.
    """
    starters = read_playbooks(path)
    known = set(session.scalars(select(FraudType.code)))
    unknown = sorted(set(starters) - known)
    missing = sorted(known - set(starters))
    if unknown or missing:
        raise PlaybookFileError(f"{path.name}: unknown fraud types {unknown}, "
                                f"fraud types without a playbook {missing}")
    present = set(session.scalars(select(DissuasionPlaybook.fraud_type)))
    added = 0
    for code in sorted(known - present):
        session.add(DissuasionPlaybook(fraud_type=code, talking_points_zh=starters[code]["zh"],
                                       talking_points_en=starters[code]["en"], version=1))
        added += 1
    session.flush()
    return added
