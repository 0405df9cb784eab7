"""Primary and secondary suppression over one export's cells (see the package docstring)."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from dashboard.disclosure.attack import exposed
from dashboard.disclosure.model import Cells

PUBLISHED = "published"
PRIMARY = "primary"      # a small count (or an amount of few cases): "<5"
SECONDARY = "secondary"  # suppressed so that a primary cell cannot be worked out: "x"
HIDDEN = "hidden"        # not in any table
MIN_THRESHOLD = 3


class NoProtection(RuntimeError):
    """No further cell could be suppressed yet a sensitive cell is still exposed (a bug)."""


@dataclass(frozen=True)
class Protection:
    status: dict[Hashable, str]
    threshold: int

    def published(self, key) -> bool:
        return self.status.get(key) == PUBLISHED

    def of(self, key) -> str:
        return self.status.get(key, HIDDEN)

    def count(self, status: str) -> int:
        return sum(1 for s in self.status.values() if s == status)


def starting_bounds(cells: Cells, status: dict, threshold: int) -> dict:
    """What a reader knows of each unpublished cell before using any equation."""
    out = {}
    for key, state in status.items():
        if state == PUBLISHED:
            continue
        cell = cells.cells[key]
        if state == PRIMARY and cell.kind == "count":
            out[key] = (1, threshold - 1)
        elif state == SECONDARY and cell.kind == "count" and cell.value >= threshold:
            out[key] = (threshold, math.inf)
        else:
            out[key] = (0, math.inf)
    return out


def _cost(cells: Cells, totals: set, key, level: int) -> tuple:
    """Cheapest first: not a zero (it protects nothing under bounds), not a total, near, small."""
    value = cells.cells[key].value
    return (value == 0, key in totals, level, value, repr(key))


def _candidate(cells: Cells, status: dict, target, totals: set, depth: int = 3):
    """The published cell to suppress next for ``target``: from the equations around it, cheapest.

    Cells of the equations that hold ``target`` are level 0; those of the
    equations that hold level-0 unknown cells level 1; and so on.  A farther
    non-total beats a nearer total (a total is what the press quotes).
    """
    seen = {target}
    frontier = {target}
    options: list[tuple] = []
    for level in range(len(cells.equations) + 1):
        touching = [eq for eq in cells.equations if frontier & {eq.total, *eq.parts}]
        keys = {k for eq in touching for k in (eq.total, *eq.parts)} - seen
        options += [_cost(cells, totals, k, level) + (k,) for k in keys
                    if status[k] == PUBLISHED and not cells.cells[k].released]
        seen |= keys
        frontier = {k for k in keys if status[k] != PUBLISHED}
        if (options and level + 1 >= depth) or not frontier:
            break
    return min(options)[-1] if options else None


def _small_to_mask(cells: Cells, status: dict, target):
    """The "<5" cell to show as "x" instead: the target itself, else the nearest one."""
    if status.get(target) == PRIMARY:
        return target
    near = {k for eq in cells.equations if target in (eq.total, *eq.parts) for k in (eq.total, *eq.parts)}
    small = sorted((k for k in near if status[k] == PRIMARY), key=repr)
    return small[0] if small else None


def initial_status(cells: Cells) -> dict:
    """Before any secondary suppression: shown small cells "<5", hidden cells hidden."""
    status = {}
    for key, cell in cells.cells.items():
        if cell.released:
            status[key] = PUBLISHED
        elif not cell.shown:
            status[key] = HIDDEN
        else:
            status[key] = PRIMARY if cell.sensitive else PUBLISHED
    return status


def protect(cells: Cells, threshold: int, start: dict | None = None) -> Protection:
    """Suppress what must be suppressed; deterministic for the same cells.

    ``start``: statuses to begin from (an earlier protection of the same
    cells); only further suppression is added to them.
    """
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"threshold: must be at least {MIN_THRESHOLD}")
    status = initial_status(cells)
    for key, state in (start or {}).items():
        if key in status and not cells.cells[key].released:
            status[key] = state
    given: set = set()  # sensitive cells the released ones give away: nothing withheld now helps
    released = any(cell.released for cell in cells.cells.values())
    totals = {eq.total for eq in cells.equations}
    cache: dict = {}
    for _ in range(len(cells.cells) + 1):
        unknown = {k for k, s in status.items() if s != PUBLISHED}
        found = exposed(cells, unknown, starting_bounds(cells, status, threshold), cache) - given
        if not found:
            return Protection(status, threshold)
        target = min(found, key=repr)
        candidate = _candidate(cells, status, target, totals)
        if candidate is None:
            # Every cell around it is withheld already and the "<5" cells' bounds (1..4) still
            # pin it (1 + 1 = 2): show a small cell as "x" (0 or more) instead of "<5".
            candidate = _small_to_mask(cells, status, target)
        if candidate is None and released:
            # nothing around it is left to withhold but cells the reader had before: they give
            # it away on their own (the figures changed since), whatever is withheld now
            given.add(target)
            continue
        if candidate is None:
            raise NoProtection(f"cell {target!r} stays exposed")
        status[candidate] = SECONDARY
    raise NoProtection("suppression did not settle")
