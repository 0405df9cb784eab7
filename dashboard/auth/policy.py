"""The security policy in force: the security administrator's choices over the deployment's.

What may be chosen is ``data/security_policy.csv``: one row a setting (its
name in ``docs/settings.md``), its kind (``integer`` with bounds, or ``roles``:
a comma-separated list of role codes) and its bounds.  A setting the security
administrator never chose keeps the value of the environment.

``policy_settings(session, settings)`` is ``settings`` with every stored
choice laid over it: pass it wherever a password, lockout, session or
second-factor rule reads its settings.  ``parse_choice(name, text)`` checks
one typed value and raises ``PolicyRefused`` naming the field and the reason.

Bounds that no choice can cross: every administrator role keeps a second
factor when a list of roles is chosen, and the integers stay within the
file's bounds (a password of at least 8 characters, a session of at most 24
hours, ...).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.permissions import administrator_roles, roles
from dashboard.domain.policy import SecurityPolicyValue
from dashboard.paths import DATA_DIR

POLICY_FILE = DATA_DIR / "security_policy.csv"


@dataclass(frozen=True)
class PolicyItem:
    name: str
    kind: str  # "integer" or "roles"
    minimum: int | None = None
    maximum: int | None = None


class PolicyRefused(ValueError):
    """A chosen value the policy's bounds refuse: the setting, and why (an i18n key)."""

    def __init__(self, field: str, key: str, **params) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key
        self.params = params


@cache
def policy_items() -> dict[str, PolicyItem]:
    """Every setting the security administrator may choose, in file order."""
    items = {}
    with POLICY_FILE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] not in ("integer", "roles"):
                raise ValueError(f"{POLICY_FILE.name}: {row['name']}: unknown kind {row['kind']!r}")
            items[row["name"]] = PolicyItem(
                row["name"], row["kind"],
                int(row["minimum"]) if row["minimum"] else None,
                int(row["maximum"]) if row["maximum"] else None)
    return items


def parse_choice(name: str, text) -> str:
    """The stored form of a chosen value, or ``PolicyRefused``."""
    item = policy_items().get(name)
    if item is None:
        raise PolicyRefused("name", "policy.error.unknown_setting")
    text = "" if text is None else str(text).strip()
    if item.kind == "integer":
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            raise PolicyRefused(name, "policy.error.integer", setting=name,
                                minimum=item.minimum, maximum=item.maximum)
        value = int(text)
        if not item.minimum <= value <= item.maximum:
            raise PolicyRefused(name, "policy.error.integer", setting=name,
                                minimum=item.minimum, maximum=item.maximum)
        return str(value)
    codes = [code.strip() for code in text.split(",") if code.strip()]
    unknown = [code for code in codes if code not in roles()]
    if unknown or len(text) > 200:
        raise PolicyRefused(name, "policy.error.roles_unknown", setting=name)
    missing = administrator_roles() - set(codes)
    if missing:
        raise PolicyRefused(name, "policy.error.administrators_keep_second_factor", setting=name)
    return ",".join(code for code in roles() if code in codes)  # file order, no repeats


def stored_choices(session: Session) -> dict[str, SecurityPolicyValue]:
    """Every stored choice by setting name."""
    return {row.name: row for row in session.scalars(select(SecurityPolicyValue))}


def _value(item: PolicyItem, text: str):
    if item.kind == "integer":
        return int(text)
    return tuple(code for code in text.split(",") if code)


def policy_settings(session: Session, settings: Mapping) -> dict:
    """``settings`` with the security administrator's stored choices laid over them."""
    merged = dict(settings)
    items = policy_items()
    for name, row in stored_choices(session).items():
        if name in items:
            merged[name] = _value(items[name], row.value)
    return merged
