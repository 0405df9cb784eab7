"""Choose security policy values: ``SetSecurityPolicy(...).run(session)``.

The security administrator's act.  ``choices`` maps a setting of
``data/security_policy.csv`` to the typed value; an empty value removes the
choice (the environment's value applies again).  Every value is checked
before anything is written (``PolicyRefused`` becomes ``Invalid`` naming the
setting); the change is one audit row with the values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.policy import PolicyRefused, parse_choice, stored_choices
from dashboard.commands.errors import Invalid
from dashboard.commands.validation import actor_name, check_actor
from dashboard.domain.base import now_local
from dashboard.domain.policy import SecurityPolicyValue

PERMISSION = "manage_security_policy"


@dataclass
class SetSecurityPolicy:
    actor: object
    choices: Mapping[str, str | None]
    source_address: str | None = None
    _checked: dict = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        check_actor(self.actor, PERMISSION)
        checked = {}
        for name, text in self.choices.items():
            if text is None or str(text).strip() == "":
                checked[name] = None
                continue
            try:
                checked[name] = parse_choice(name, text)
            except PolicyRefused as refused:
                raise Invalid(refused.field, refused.key, **refused.params) from None
        self._checked = checked

    def run(self, session: Session, now: datetime | None = None) -> dict[str, str | None]:
        """Store the choices; returns the settings that changed, with their new values."""
        self.validate(session)
        now = now or now_local()
        stored = stored_choices(session)
        changed = {}
        for name, value in self._checked.items():
            row = stored.get(name)
            before = row.value if row else None
            if before == value:
                continue
            if value is None:
                session.delete(row)
            elif row is None:
                session.add(SecurityPolicyValue(name=name, value=value, changed_at=now,
                                                changed_by=actor_name(self.actor)))
            else:
                row.value, row.changed_at, row.changed_by = value, now, actor_name(self.actor)
            changed[name] = {"from": before, "to": value}
        if changed:
            session.flush()
            audit.record(session, user=self.actor, action=audit.POLICY_CHANGED,
                         object="security_policy", source_address=self.source_address, at=now,
                         detail=changed)
        return {name: change["to"] for name, change in changed.items()}
