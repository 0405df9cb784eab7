"""Checks shared by the user commands; each raises ``Invalid`` naming its form field."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.passwords import PasswordRefused, check_policy
from dashboard.auth.permissions import Role, require, roles
from dashboard.auth.records import parse_id
from dashboard.commands.errors import Invalid
from dashboard.domain import OrgUnit, User
from dashboard.domain.text import has_control_characters, has_personal_number
from dashboard.domain.users import normalize_username

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
DISPLAY_NAME_MAX = 80


def _text(value) -> str:
    """A form field's text; anything else a crafted request sends (a number, a list) is empty."""
    return value if isinstance(value, str) else ""


def check_username(session: Session, username: str | None) -> str:
    """A new, well-formed, unused username (lower case)."""
    name = normalize_username(_text(username))
    if not USERNAME.match(name) or has_personal_number(name):
        raise Invalid("username", "admin.error.username_format")
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Invalid("username", "admin.error.username_taken")
    return name


def check_display_name(display_name: str | None) -> str:
    """A name to show, 1 to 80 characters, that is not a phone or ID number."""
    name = " ".join(_text(display_name).split())
    if (not name or len(name) > DISPLAY_NAME_MAX or has_personal_number(name)
            or has_control_characters(name)):
        raise Invalid("display_name", "admin.error.display_name", max=DISPLAY_NAME_MAX)
    return name


def check_role(code: str | None) -> Role:
    """A role of ``data/roles.csv``."""
    role = roles().get(_text(code).strip())
    if role is None:
        raise Invalid("role", "admin.error.role_unknown")
    return role


def resolve_unit(session: Session, role: Role, unit_code: str | None) -> OrgUnit | None:
    """The unit a user of ``role`` is attached to, checked against the role's unit levels."""
    code = _text(unit_code).strip()
    if role.scope == "system":
        if code:
            raise Invalid("unit", "admin.error.unit_not_allowed")
        return None
    if not code:
        if role.needs_unit:
            raise Invalid("unit", "admin.error.unit_required")
        return None
    unit = None if has_control_characters(code) else session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise Invalid("unit", "admin.error.unit_unknown")
    if unit.retired_on is not None:
        raise Invalid("unit", "admin.error.unit_retired", code=unit.code, day=unit.retired_on.isoformat())
    if role.unit_levels and unit.level not in role.unit_levels:
        raise Invalid("unit", "admin.error.unit_level")
    return unit


def check_password(password: str | None, username: str,
                   settings: Mapping | None = None) -> str:
    """A new password that the policy accepts."""
    try:
        check_policy(_text(password), username=username, settings=settings)
    except PasswordRefused as refused:
        raise Invalid("password", refused.key, **refused.params) from None
    return _text(password)


def find_user(session: Session, user_ref: int | str | None) -> User:
    """The user named by an id (an int, from a form) or a username (a str, from the shell)."""
    user = None
    if isinstance(user_ref, int) and not isinstance(user_ref, bool):
        number = parse_id(user_ref)
        user = session.get(User, number) if number is not None else None
    elif isinstance(user_ref, str) and user_ref.strip() and not has_control_characters(user_ref):
        user = session.scalar(select(User).where(User.username == normalize_username(user_ref)))
    if user is None:
        raise Invalid("user", "admin.error.user_unknown")
    return user


def is_self(actor, user: User) -> bool:
    """True when the administrator acting is the user acted on."""
    return getattr(actor, "id", None) == user.id


def other_user(session: Session, actor, user_ref: int | str | None, action: str,
               own: str = "admins.error.own_account") -> User:
    """The account ``actor`` (who must hold ``action``) acts on; never the actor's own (``own``)."""
    check_actor(actor, action)
    user = find_user(session, user_ref)
    if is_self(actor, user):
        raise Invalid("user", own)
    return user


def from_console(actor) -> bool:
    """True when the actor is the server's console (``"cli:root"``), not a logged-in user."""
    return isinstance(actor, str)


def actor_name(actor) -> str:
    """The name an account records for who acted: a username, or the console's name."""
    return actor if from_console(actor) else actor.username


def check_actor(actor, action: str) -> None:
    """A logged-in actor must hold ``action`` (the page checked it too); the console may."""
    if not from_console(actor):
        require(actor, action)
