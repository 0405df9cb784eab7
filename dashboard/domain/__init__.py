"""The domain model: SQLAlchemy 2 typed tables, with no Flask or Dash import."""

from dashboard.domain.aggregates import AGGREGATE_MODELS
from dashboard.domain.audit import AuditEntry, AuditHead
from dashboard.domain.base import SHANGHAI, Base, LocalDateTime
from dashboard.domain.cases import Case
from dashboard.domain.feeds import FeedArrival
from dashboard.domain.funds import StopPayment
from dashboard.domain.imports import ImportJob
from dashboard.domain.ingest import ApiToken, ImportHeaderMap, RejectedRecord
from dashboard.domain.jobs import JobLease
from dashboard.domain.org import OrgUnit
from dashboard.domain.playbooks import DissuasionPlaybook
from dashboard.domain.policy import SecurityPolicyValue
from dashboard.domain.prevention import PublicityEvent
from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.domain.releases import ReleasedCell, StatisticsRelease
from dashboard.domain.tasks import Task, TaskEvent
from dashboard.domain.users import LoginAttempt, SessionRecord, User
from dashboard.domain.warnings import Dissuasion, DissuasionKey, Warning, WarningKey, after_warnings

after_warnings(Task.__table__, Case.__table__, StopPayment.__table__)

__all__ = [
    "ApiToken", "ImportHeaderMap", "ImportJob", "RejectedRecord", "FeedArrival",
    "Base", "LocalDateTime", "SHANGHAI", "Case", "StopPayment", "OrgUnit",
    "PublicityEvent", "REFERENCE_MODELS", "Dissuasion", "Warning", "WarningKey", "DissuasionKey",
    "AuditEntry", "AuditHead", "LoginAttempt", "SessionRecord", "User", "AGGREGATE_MODELS",
    "Task", "TaskEvent", "JobLease", "DissuasionPlaybook", "SecurityPolicyValue",
    "ReleasedCell", "StatisticsRelease",
]
