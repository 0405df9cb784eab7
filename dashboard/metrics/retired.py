"""Retired units in per-unit listings: shown in the periods they have records for, not after.

A retired station (``OrgUnit.retired_on``) keeps its history, so a period
that holds its records lists it as before.  A period that starts on or after
the day it retired can hold nothing new of it; listing it there with zeros
would rank a unit that no longer exists, so such a row is left out when
every figure of it is zero or missing.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.domain import OrgUnit
from dashboard.metrics.period import Period

UNIT_COLUMNS = frozenset({"unit_id", "code", "name_zh", "name_en", "parent_id", "population", "level",
                          "path"})


def without_idle_retired(session: Session, frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """``frame`` (one row per unit, column unit_id) less the units retired by the period's first
    day that have no figure in it."""
    retired = set(session.scalars(select(OrgUnit.id).where(OrgUnit.retired_on <= period.first_day)))
    if not retired or frame.empty:
        return frame
    figures = [c for c in frame.columns if c not in UNIT_COLUMNS
               and pd.api.types.is_numeric_dtype(frame[c])]
    values = frame[figures].apply(pd.to_numeric, errors="coerce").fillna(0)
    idle = frame["unit_id"].isin(retired) & (values == 0).all(axis=1)
    return frame[~idle].reset_index(drop=True) if idle.any() else frame
