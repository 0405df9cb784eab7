"""Change the chain of units one unit at a time (sysadmins, ``manage_units``).

``CreateUnit(actor, code, level, parent_code, name_zh, name_en, population)``,
``RenameUnit(actor, unit_code, name_zh, name_en)``,
``MoveUnit(actor, unit_code, parent_code)`` and
``RetireUnit(actor, unit_code, successor_code)``: each ``run(session)``
checks the actor's permission (a refusal is audited), validates every field
(``Invalid`` naming the field: ``code``, ``level``, ``parent_code``,
``name_zh``, ``name_en``, ``population``, ``unit``, ``successor``), then
writes and audits in the caller's transaction; the caller commits.

History stays with its unit: warnings, cases, stop-payments and publicity
events keep their unit ids, and a unit's ``path`` (and its subtree's) follows
a move, so scopes follow.  Those records also carry their *county*
(``county_id``, and the county aggregates are keyed by it).  A move that
would change the county of a unit whose subtree already holds such records
is refused (``units.admin.error.move_history``) rather than rewriting
history and rebuilding aggregates behind the sysadmin's back; a unit with no
history yet moves freely.

Stations split and merge: a unit is *retired* (``retired_on``, today), never
deleted, so its records stay where they happened.  A merged station names
its successor (an active unit of its level).  Retiring is refused for the
top unit, a unit with active units below it, a unit that still has active
user accounts (disable or move them first: the refusal says how many) and a
unit that still owes open tasks (reassign or cancel them first).  A retired
unit cannot be a parent of a new unit, move, or be moved under; it takes no
new warnings (``dashboard.ingest.warnings_in``) or tasks
(``dashboard.commands.tasks.creation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, func, literal, or_, select, update
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.commands.errors import Invalid
from dashboard.commands.import_units import NAME_MAX
from dashboard.domain import Case, OrgUnit, PublicityEvent, StopPayment, Task, User, Warning
from dashboard.domain.base import now_local
from dashboard.domain.org import PATH_SEPARATOR, UNIT_CODE
from dashboard.domain.reference import OrgLevel
from dashboard.domain.tasks import NOT_FINAL
from dashboard.domain.text import has_control_characters
from dashboard.i18n import t

PERMISSION = "manage_units"


class UnitInvalid(Invalid):
    """A refused field of a unit form; the message starts with the field's name."""

    def message(self, lang: str | None = None) -> str:
        return t("units.problem.file", lang, field=t(f"units.field.{self.field}", lang),
                 reason=t(self.key, lang, **self.params))


def _text(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _levels(session: Session) -> list[str]:
    return list(session.scalars(select(OrgLevel.code).order_by(OrgLevel.sort_order)))


def check_actor(session: Session, actor, object_: str, source_address: str | None) -> None:
    if isinstance(actor, str):  # the server's console
        return
    if not allowed(actor, PERMISSION):
        audit.record(session, user=actor, action=audit.ACCESS_DENIED, object=object_,
                     outcome=audit.DENIED, source_address=source_address,
                     detail={"want": PERMISSION})
        raise PermissionDenied(PERMISSION)


def _find(session: Session, code, field: str) -> OrgUnit:
    text = _text(code)
    unit = (session.scalar(select(OrgUnit).where(OrgUnit.code == text))
            if UNIT_CODE.fullmatch(text) else None)
    if unit is None:
        raise UnitInvalid(field, "units.admin.error.unknown", code=text[:32] or "-")
    return unit


def _active(unit: OrgUnit, field: str) -> OrgUnit:
    if unit.retired_on is not None:
        raise UnitInvalid(field, "units.admin.error.retired", code=unit.code,
                          day=unit.retired_on.isoformat())
    return unit


def _names(name_zh, name_en) -> dict[str, str]:
    names = {"name_zh": _text(name_zh), "name_en": _text(name_en)}
    for field, longest in NAME_MAX.items():
        if not names[field] or len(names[field]) > longest or has_control_characters(names[field]):
            raise UnitInvalid(field, "units.error.name", max=longest)
    return names


def _parent_for(session: Session, level: str, parent_code, levels: list[str]) -> OrgUnit | None:
    """The parent a unit of ``level`` may have: a unit one level up, or none at the top."""
    depth = levels.index(level)
    if depth == 0:
        if _text(parent_code):
            raise UnitInvalid("parent_code", "units.error.top_has_parent", level=level)
        return None
    if not _text(parent_code):
        raise UnitInvalid("parent_code", "units.error.parent_missing", level=levels[depth - 1])
    parent = _active(_find(session, parent_code, "parent_code"), "parent_code")
    if parent.level != levels[depth - 1]:
        raise UnitInvalid("parent_code", "units.error.parent_level", code=parent.code,
                          found=parent.level, level=levels[depth - 1])
    return parent


def county_of(unit: OrgUnit | None, levels: list[str]) -> str | None:
    """The code of the unit's county (the second level of the chain) from its path, if any."""
    if unit is None:
        return None
    codes = unit.path.split(PATH_SEPARATOR)
    return codes[1] if len(levels) > 1 and len(codes) > 1 else None


def subtree_history(session: Session, unit: OrgUnit) -> int:
    """How many warnings, cases, stop-payments and publicity events the unit's subtree holds."""
    ids = select(OrgUnit.id).where(or_(OrgUnit.id == unit.id,
                                       OrgUnit.path.startswith(unit.path + PATH_SEPARATOR)))
    total = 0
    for model, column in ((Warning, Warning.station_id), (Case, Case.station_id),
                          (StopPayment, StopPayment.station_id),
                          (PublicityEvent, PublicityEvent.unit_id)):
        total += session.scalar(select(func.count()).select_from(model).where(column.in_(ids))) or 0
    return total


@dataclass
class CreateUnit:
    actor: object
    code: object
    level: object
    parent_code: object = None
    name_zh: object = None
    name_en: object = None
    population: object = None
    source_address: str | None = None

    def run(self, session: Session) -> OrgUnit:
        code = _text(self.code)
        check_actor(session, self.actor, f"unit:{code[:32] or 'new'}", self.source_address)
        if not UNIT_CODE.fullmatch(code):
            raise UnitInvalid("code", "units.error.code", value=code[:40])
        if session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
            raise UnitInvalid("code", "units.admin.error.code_taken", code=code)
        levels = _levels(session)
        level = _text(self.level)
        if level not in levels:
            raise UnitInvalid("level", "units.error.level", value=level[:40], levels=", ".join(levels))
        parent = _parent_for(session, level, self.parent_code, levels)
        if parent is None:
            top = session.scalar(select(OrgUnit.code).where(OrgUnit.level == level))
            if top is not None:
                raise UnitInvalid("level", "units.error.second_top", code=code, stored=top)
        names = _names(self.name_zh, self.name_en)
        population = _population(self.population)
        unit = OrgUnit(code=code, level=level, parent=parent, population=population,
                       path=OrgUnit.path_of(code, parent), **names)
        session.add(unit)
        session.flush()
        audit.record(session, user=self.actor, action=audit.UNIT_CREATED, object=f"unit:{code}",
                     source_address=self.source_address,
                     detail={"level": level, "parent": parent.code if parent else None, **names})
        return unit


def _population(value) -> int | None:
    text = _text(value if not isinstance(value, int) or isinstance(value, bool) else str(value))
    if not text:
        return None
    digits = text.replace(",", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 11:
        raise UnitInvalid("population", "units.error.population", value=text[:20])
    return int(digits)


@dataclass
class RenameUnit:
    actor: object
    unit_code: object
    name_zh: object = None
    name_en: object = None
    source_address: str | None = None

    def run(self, session: Session) -> OrgUnit:
        check_actor(session, self.actor, f"unit:{_text(self.unit_code)[:32] or 'unknown'}",
                     self.source_address)
        unit = _find(session, self.unit_code, "unit")
        names = _names(self.name_zh, self.name_en)
        before = {"name_zh": unit.name_zh, "name_en": unit.name_en}
        if before == names:
            raise UnitInvalid("name_zh", "units.admin.error.same_names")
        unit.name_zh, unit.name_en = names["name_zh"], names["name_en"]
        session.flush()
        audit.record(session, user=self.actor, action=audit.UNIT_RENAMED, object=f"unit:{unit.code}",
                     source_address=self.source_address, detail={"from": before, "to": names})
        return unit


@dataclass
class MoveUnit:
    actor: object
    unit_code: object
    parent_code: object = None
    source_address: str | None = None

    def run(self, session: Session) -> OrgUnit:
        check_actor(session, self.actor, f"unit:{_text(self.unit_code)[:32] or 'unknown'}",
                     self.source_address)
        unit = _active(_find(session, self.unit_code, "unit"), "unit")
        levels = _levels(session)
        parent = _parent_for(session, unit.level, self.parent_code, levels)
        if parent is None or parent.id == unit.parent_id:
            raise UnitInvalid("parent_code", "units.admin.error.same_parent",
                              code=unit.code, parent=parent.code if parent else "-")
        if county_of(unit, levels) != county_of(parent, levels):
            held = subtree_history(session, unit)
            if held:
                raise UnitInvalid("parent_code", "units.admin.error.move_history", code=unit.code,
                                  count=held)
        old_parent, old_path = unit.parent, unit.path
        new_path = OrgUnit.path_of(unit.code, parent)
        session.execute(
            update(OrgUnit)
            .where(OrgUnit.path.startswith(old_path + PATH_SEPARATOR))
            .values(path=literal(new_path, String).concat(func.substr(OrgUnit.path, len(old_path) + 1)))
            .execution_options(synchronize_session=False))
        unit.parent, unit.path = parent, new_path
        session.flush()
        session.expire_all()
        audit.record(session, user=self.actor, action=audit.UNIT_MOVED, object=f"unit:{unit.code}",
                     source_address=self.source_address,
                     detail={"from": old_parent.code if old_parent else None, "to": parent.code})
        return session.get(OrgUnit, unit.id)


def _count(session: Session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


@dataclass
class RetireUnit:
    """Retire a unit from today; ``successor_code``: the unit a merged station went into."""

    actor: object
    unit_code: object
    successor_code: object = None
    source_address: str | None = None
    today: date | None = None  # the Shanghai date (tests give one)

    def run(self, session: Session) -> OrgUnit:
        check_actor(session, self.actor, f"unit:{_text(self.unit_code)[:32] or 'unknown'}",
                    self.source_address)
        unit = _active(_find(session, self.unit_code, "unit"), "unit")
        if unit.parent_id is None:
            raise UnitInvalid("unit", "units.admin.error.retire_top", code=unit.code)
        children = sorted(c.code for c in unit.children if c.retired_on is None)
        if children:
            raise UnitInvalid("unit", "units.admin.error.active_children", code=unit.code,
                              count=len(children), codes=", ".join(children[:5]))
        users = _count(session, User, User.unit_id == unit.id, User.is_active.is_(True))
        if users:
            raise UnitInvalid("unit", "units.admin.error.active_users", code=unit.code, count=users)
        tasks = _count(session, Task, Task.target_unit_id == unit.id, Task.status.in_(NOT_FINAL))
        if tasks:
            raise UnitInvalid("unit", "units.admin.error.open_tasks", code=unit.code, count=tasks)
        successor = None
        if _text(self.successor_code):
            successor = _active(_find(session, self.successor_code, "successor"), "successor")
            if successor.id == unit.id:
                raise UnitInvalid("successor", "units.admin.error.successor_self", code=unit.code)
            if successor.level != unit.level:
                raise UnitInvalid("successor", "units.admin.error.successor_level",
                                  code=successor.code, found=successor.level, level=unit.level)
        unit.retired_on = self.today or now_local().date()
        unit.successor_id = successor.id if successor is not None else None
        session.flush()
        audit.record(session, user=self.actor, action=audit.UNIT_RETIRED, object=f"unit:{unit.code}",
                     source_address=self.source_address,
                     detail={"retired_on": unit.retired_on.isoformat(),
                             "successor": successor.code if successor is not None else None})
        return unit
