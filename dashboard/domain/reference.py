"""Reference lists (fraud types, risk levels, outcomes, ...).

The rows live in ``data/reference/<table>.csv`` and are loaded into these
tables by ``dashboard.refdata.load_reference_data``; code only names the
tables and their typed extra columns.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base


class ReferenceMixin:
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class FraudType(ReferenceMixin, Base):
    __tablename__ = "fraud_types"


class RiskLevel(ReferenceMixin, Base):
    __tablename__ = "risk_levels"
    response_minutes: Mapped[int] = mapped_column(Integer)


class Channel(ReferenceMixin, Base):
    __tablename__ = "channels"


class Outcome(ReferenceMixin, Base):
    __tablename__ = "outcomes"
    dissuaded: Mapped[bool] = mapped_column(Boolean)
    defrauded: Mapped[bool] = mapped_column(Boolean)


class DissuasionMethod(ReferenceMixin, Base):
    __tablename__ = "dissuasion_methods"


class DissuasionResult(ReferenceMixin, Base):
    __tablename__ = "dissuasion_results"
    reached: Mapped[bool] = mapped_column(Boolean)
    dissuaded: Mapped[bool] = mapped_column(Boolean)


class WarningStatus(ReferenceMixin, Base):
    __tablename__ = "warning_statuses"
    is_open: Mapped[bool] = mapped_column(Boolean)


class CaseStatus(ReferenceMixin, Base):
    __tablename__ = "case_statuses"
    is_solved: Mapped[bool] = mapped_column(Boolean)


class PublicityKind(ReferenceMixin, Base):
    __tablename__ = "publicity_kinds"


class OrgLevel(ReferenceMixin, Base):
    __tablename__ = "org_levels"


class TaskKind(ReferenceMixin, Base):
    """A kind of task; the ``records_*`` flags name the result figures its completion records."""

    __tablename__ = "task_kinds"
    records_reached: Mapped[bool] = mapped_column(Boolean)
    records_loss_avoided: Mapped[bool] = mapped_column(Boolean)
    records_people_reached: Mapped[bool] = mapped_column(Boolean)


class TaskPriority(ReferenceMixin, Base):
    __tablename__ = "task_priorities"


REFERENCE_MODELS: tuple[type[Base], ...] = (
    FraudType, RiskLevel, Channel, Outcome, DissuasionMethod, DissuasionResult,
    WarningStatus, CaseStatus, PublicityKind, OrgLevel, TaskKind, TaskPriority,
)
