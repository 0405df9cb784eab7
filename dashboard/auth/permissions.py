"""The one permission question: may this user (or role) do this action?

Roles are ``data/roles.csv`` (code, names, kind, scope kind, whether TOTP is
mandatory in production, the levels of unit a user of the role may be
attached to, ``|``-separated).  A role's kind is ``business`` (leader,
commander, officer, press: they work with the city's data) or
``administrator`` (the three administrators of ``docs/security.md``: they run
the system and see no citizen data); an administrator role has the ``system``
scope and a business role never has. what each role may do is ``data/permissions.csv``,
one ``role,permission`` row per grant.  Anything not granted is denied: a
new role, an inactive user, no user at all.  An action that no row of the
file names is a programming error and raises ``UnknownPermission``, so that a
misspelt check fails loudly in tests instead of silently denying.

Wiring: every route, Dash callback and command asks ``allowed(current_user,
"view_records")`` (or ``require(...)``) before touching data; the route walk
test compares every answer with this table.  What a user may *see* inside an
allowed page is ``dashboard.auth.scope.scope_of``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dashboard.paths import DATA_DIR

ROLES_FILE = DATA_DIR / "roles.csv"
PERMISSIONS_FILE = DATA_DIR / "permissions.csv"
SCOPE_KINDS = ("subtree", "city", "system")
ROLE_KINDS = ("business", "administrator")


class UnknownPermission(KeyError):
    """An action that ``data/permissions.csv`` does not know."""


class PermissionDenied(Exception):
    """The user may not do this action; the web layer answers 403 (or 404 for records)."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


@dataclass(frozen=True)
class Role:
    code: str
    name_zh: str
    name_en: str
    scope: str
    totp_required_in_production: bool
    unit_levels: tuple[str, ...] = ()
    kind: str = "business"

    @property
    def is_administrator(self) -> bool:
        """One of the three administrators: never a business role, never citizen data."""
        return self.kind == "administrator"

    @property
    def needs_unit(self) -> bool:
        """True when a user of this role must be attached to a unit (``subtree`` roles)."""
        return self.scope == "subtree"

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass(frozen=True)
class PermissionTable:
    roles: dict[str, Role]
    grants: frozenset[tuple[str, str]]
    actions: frozenset[str]

    def allows(self, role: str | None, action: str) -> bool:
        if action not in self.actions:
            raise UnknownPermission(action)
        return role is not None and (role, action) in self.grants


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_table(roles_file: Path = ROLES_FILE,
               permissions_file: Path = PERMISSIONS_FILE) -> PermissionTable:
    """Read and check both files: every grant names a known role, every scope is known."""
    roles: dict[str, Role] = {}
    for row in _read_csv(roles_file):
        if row["scope"] not in SCOPE_KINDS:
            raise ValueError(f"{roles_file.name}: role {row['code']}: unknown scope {row['scope']!r}")
        levels = tuple(level for level in row.get("unit_levels", "").split("|") if level)
        if row["scope"] == "system" and levels:
            raise ValueError(f"{roles_file.name}: role {row['code']}: a system role has no unit")
        kind = row.get("kind") or "business"
        if kind not in ROLE_KINDS:
            raise ValueError(f"{roles_file.name}: role {row['code']}: unknown kind {kind!r}")
        if (kind == "administrator") != (row["scope"] == "system"):
            raise ValueError(f"{roles_file.name}: role {row['code']}: an administrator role, and "
                             "only it, has the system scope")
        roles[row["code"]] = Role(row["code"], row["name_zh"], row["name_en"], row["scope"],
                                  row["totp_required_in_production"] == "1", levels, kind)
    grants = set()
    for row in _read_csv(permissions_file):
        if row["role"] not in roles:
            raise ValueError(f"{permissions_file.name}: unknown role {row['role']!r}")
        grants.add((row["role"], row["permission"]))
    return PermissionTable(roles, frozenset(grants), frozenset(p for _, p in grants))


@cache
def table() -> PermissionTable:
    """The table of the shipped data files, read once on first use."""
    return load_table()


def roles() -> dict[str, Role]:
    """Every role by code, in file order."""
    return table().roles


def actions() -> frozenset[str]:
    """Every permission some role has."""
    return table().actions


def administrator_roles() -> frozenset[str]:
    """The codes of the three administrator roles (sysadmin, secadmin, auditor)."""
    return frozenset(code for code, role in roles().items() if role.is_administrator)


def business_roles() -> frozenset[str]:
    """The codes of the roles that work with the city's data."""
    return frozenset(code for code, role in roles().items() if not role.is_administrator)


def role_of(user_or_role) -> str | None:
    """The role code of a user (None if missing, disabled or not yet granted one) or of a role string."""
    if user_or_role is None or isinstance(user_or_role, str):
        return user_or_role
    if not getattr(user_or_role, "is_active", False):
        return None
    if getattr(user_or_role, "is_anonymous", False):
        return None
    return getattr(user_or_role, "role", None)


ANY_OF = "|"  # "a|b": either permission (a page roles open each for their own reach)


def allowed(user_or_role, action: str) -> bool:
    """True only when the role of ``user_or_role`` is granted ``action`` (or, for ``a|b``, one of
    them); deny by default."""
    role = role_of(user_or_role)
    return any(table().allows(role, one) for one in action.split(ANY_OF))


def require(user_or_role, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``allowed``."""
    if not allowed(user_or_role, action):
        raise PermissionDenied(action)


def permissions_of(user_or_role) -> frozenset[str]:
    """Every action the user or role may do (for building navigation)."""
    role = role_of(user_or_role)
    return frozenset(p for r, p in table().grants if r == role)
