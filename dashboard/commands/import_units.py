"""A bureau's own units, from its list: ``ImportUnits(actor, rows).run(session)``.

The list (``antifraud import-units FILE``, a CSV) names every unit of the
chain once: ``code``, ``level``, ``parent_code`` (empty for the city),
``name_zh``, ``name_en`` and optionally ``population``.  Units may come in
any order; a parent may be in the list or already stored.  The levels and
which level sits under which come from the ``org_levels`` table (its
``sort_order``), so the chain is data like every other list.

Every row is checked before anything is written, and every problem is
reported with its line and field; one problem and nothing is written.  A
unit already stored (same code) gets its names and population from the
list; its level and parent cannot change, because its history (warnings,
aggregates, tasks) is counted under them.  The import is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.domain import OrgUnit
from dashboard.domain.org import UNIT_CODE
from dashboard.domain.reference import OrgLevel

COLUMNS = ("code", "level", "parent_code", "name_zh", "name_en")
OPTIONAL_COLUMNS = ("population",)
NAME_MAX = {"name_zh": 80, "name_en": 120}


@dataclass(frozen=True)
class Problem:
    """Why one field of one line of the list cannot be taken: an i18n key and its parameters."""

    line: int
    field: str
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UnitRow:
    """One checked line of the list."""

    line: int
    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    population: int | None


class UnitsRefused(ValueError):
    """The list has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the unit list")
        self.problems = problems


@dataclass
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@dataclass
class ImportUnits:
    """``rows``: (line number, {column: text}) as read from the list; ``actor``: who imports it."""

    actor: object
    rows: list[tuple[int, dict]]
    source: str = ""
    _checked: list[UnitRow] = field(default_factory=list, repr=False)
    _stored: dict[str, OrgUnit] = field(default_factory=dict, repr=False)

    def validate(self, session: Session) -> None:
        """Raise ``UnitsRefused`` with every problem of the list, in line order."""
        levels = [code for code, in session.execute(select(OrgLevel.code).order_by(OrgLevel.sort_order))]
        stored = {u.code: u for u in session.scalars(select(OrgUnit))}
        problems: list[Problem] = []
        rows: list[UnitRow] = []
        seen: dict[str, int] = {}
        for line, raw in self.rows:
            row = _read_row(line, raw, levels, problems)
            if row is None:
                continue
            if row.code in seen:
                problems.append(Problem(line, "code", "units.error.duplicate", {"code": row.code,
                                                                                 "first": seen[row.code]}))
                continue
            seen[row.code] = line
            rows.append(row)
        listed = {r.code: r for r in rows}
        for row in rows:
            problems += _chain_problems(row, listed, stored, levels)
        problems += _top_problems(rows, stored, levels)
        if not self.rows:
            problems.append(Problem(0, "code", "units.error.empty"))
        if problems:
            raise UnitsRefused(sorted(problems, key=lambda p: (p.line, COLUMNS.index(p.field)
                                                               if p.field in COLUMNS else len(COLUMNS))))
        self._checked = sorted(rows, key=lambda r: (levels.index(r.level), r.code))
        self._stored = stored

    def run(self, session: Session) -> ImportResult:
        """Validate, then create and update the units (parents first) and audit, in the caller's transaction."""
        self.validate(session)
        stored = self._stored  # read by validate, in this transaction
        result = ImportResult([], [], [])
        for row in self._checked:
            unit = stored.get(row.code)
            if unit is None:
                parent = stored.get(row.parent_code) if row.parent_code else None
                unit = OrgUnit(code=row.code, level=row.level, parent=parent, name_zh=row.name_zh,
                               name_en=row.name_en, population=row.population,
                               path=OrgUnit.path_of(row.code, parent))
                session.add(unit)
                stored[row.code] = unit
                result.created.append(row.code)
                continue
            wanted = {"name_zh": row.name_zh, "name_en": row.name_en}
            if row.population is not None:
                wanted["population"] = row.population
            if any(getattr(unit, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(unit, name, value)
                result.updated.append(row.code)
            else:
                result.unchanged.append(row.code)
        session.flush()
        audit.record(session, user=self.actor, action=audit.UNITS_IMPORTED, object="org_units",
                     detail={"file": self.source, "created": len(result.created),
                             "updated": len(result.updated), "unchanged": len(result.unchanged)})
        return result


def _read_row(line: int, raw: dict, levels: list[str], problems: list[Problem]) -> UnitRow | None:
    """The line's values, well formed; ``None`` (and its problems added) if any field is not."""
    found: list[Problem] = []
    text = {name: " ".join(str(raw.get(name) or "").split()) for name in (*COLUMNS, *OPTIONAL_COLUMNS)}
    if not UNIT_CODE.fullmatch(text["code"]):
        found.append(Problem(line, "code", "units.error.code", {"value": text["code"]}))
    if text["level"] not in levels:
        found.append(Problem(line, "level", "units.error.level", {"value": text["level"],
                                                                  "levels": ", ".join(levels)}))
    if text["parent_code"] and not UNIT_CODE.fullmatch(text["parent_code"]):
        found.append(Problem(line, "parent_code", "units.error.code", {"value": text["parent_code"]}))
    for name, longest in NAME_MAX.items():
        if not text[name] or len(text[name]) > longest:
            found.append(Problem(line, name, "units.error.name", {"max": longest}))
    population = None
    if text["population"]:
        digits = text["population"].replace(",", "")
        if not digits.isascii() or not digits.isdigit():
            found.append(Problem(line, "population", "units.error.population", {"value": text["population"]}))
        else:
            population = int(digits)
    problems += found
    if any(p.field in ("code", "level", "parent_code") for p in found):
        return None  # its place in the chain cannot be checked; a bad name or population can
    return UnitRow(line, text["code"], text["level"], text["parent_code"] or None, text["name_zh"],
                   text["name_en"], population)


def _chain_problems(row: UnitRow, listed: dict[str, UnitRow], stored: dict[str, OrgUnit],
                    levels: list[str]) -> list[Problem]:
    """The row's place in the chain: its parent exists one level up; a stored unit keeps its place."""
    depth = levels.index(row.level)
    parent_level = levels[depth - 1] if depth else None
    problems = []
    if parent_level is None and row.parent_code:
        problems.append(Problem(row.line, "parent_code", "units.error.top_has_parent", {"level": row.level}))
    elif parent_level is not None:
        parent = listed.get(row.parent_code) if row.parent_code else None
        level_of_parent = parent.level if parent else (
            stored[row.parent_code].level if row.parent_code in stored else None)
        if not row.parent_code:
            problems.append(Problem(row.line, "parent_code", "units.error.parent_missing",
                                    {"level": parent_level}))
        elif level_of_parent is None:
            problems.append(Problem(row.line, "parent_code", "units.error.parent_unknown",
                                    {"code": row.parent_code}))
        elif level_of_parent != parent_level:
            problems.append(Problem(row.line, "parent_code", "units.error.parent_level",
                                    {"code": row.parent_code, "found": level_of_parent, "level": parent_level}))
    unit = stored.get(row.code)
    if unit is not None:
        if unit.level != row.level:
            problems.append(Problem(row.line, "level", "units.error.level_changed",
                                    {"code": row.code, "stored": unit.level}))
        elif (unit.parent.code if unit.parent else None) != row.parent_code:
            problems.append(Problem(row.line, "parent_code", "units.error.moved",
                                    {"code": row.code, "stored": unit.parent.code if unit.parent else "-"}))
    return problems


def _top_problems(rows: list[UnitRow], stored: dict[str, OrgUnit], levels: list[str]) -> list[Problem]:
    """One unit at the top of the chain (the city bureau), stored or listed, never two."""
    top = levels[0]
    tops = {u.code for u in stored.values() if u.level == top}
    problems = []
    for row in rows:
        if row.level == top and row.code not in tops:
            if tops:
                problems.append(Problem(row.line, "code", "units.error.second_top",
                                        {"code": row.code, "stored": ", ".join(sorted(tops))}))
            tops.add(row.code)
    return problems
