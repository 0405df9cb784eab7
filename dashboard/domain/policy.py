"""The security administrator's policy: values chosen over the deployment's defaults.

One row a setting (``name`` is a setting of ``data/security_policy.csv``, such
as ``PASSWORD_MIN_LENGTH``); a setting without a row keeps the value of the
environment (``docs/settings.md``).  Rows are written only by the command
``SetSecurityPolicy``, which checks the bounds and audits the change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.domain.base import Base, LocalDateTime


class SecurityPolicyValue(Base):
    __tablename__ = "security_policy"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), doc="As typed in the environment: 12, 30, a,b")
    changed_at: Mapped[datetime] = mapped_column(LocalDateTime)
    changed_by: Mapped[str] = mapped_column(String(64))
