"""Cells and the equations between them (see the package docstring)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

Key = Hashable


@dataclass
class Cell:
    key: Key
    value: int
    kind: str = "count"      # "count" or "yuan"
    shown: bool = True       # appears in a published table
    sensitive: bool = False  # must never be known exactly
    released: bool = False   # known to the reader already (an earlier release): never withheld


@dataclass(frozen=True)
class Equation:
    """``total = sum(parts) + rest``; ``rest`` is treated as known to everyone."""

    total: Key
    parts: tuple[Key, ...]
    rest: int = 0


@dataclass
class Cells:
    """Every cell of one export and the equations between them."""

    cells: dict[Key, Cell] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)

    def add(self, key: Key, value: int, *, kind: str = "count", shown: bool = True,
            sensitive: bool | None = None, basis: int | None = None, threshold: int = 5,
            released: bool = False) -> Cell:
        """Add a cell, or show an existing one (a key in two tables is one cell).

        ``sensitive`` defaults to the rule: a count from 1 to ``threshold - 1``,
        or an amount whose ``basis`` (the number of cases it sums) is that small.
        A ``released`` cell is one the reader was given before: known, never withheld.
        """
        value = int(value)
        if sensitive is None:
            small = basis if kind == "yuan" else value
            sensitive = small is not None and 0 < int(small) < threshold
        cell = self.cells.get(key)
        if cell is None:
            cell = Cell(key, value, kind, shown, sensitive and not released, released)
            self.cells[key] = cell
        else:
            if cell.value != value:
                raise ValueError(f"cell {key!r} added twice with different values")
            cell.shown = cell.shown or shown
            cell.sensitive = cell.sensitive or sensitive
        return cell

    def add_sum(self, total: Key, parts: Iterable[Key]) -> Equation | None:
        """The equation ``total = sum(parts) + rest`` between existing cells (rest from the values)."""
        parts = tuple(dict.fromkeys(parts))
        if not parts:
            return None
        rest = self.cells[total].value - sum(self.cells[p].value for p in parts)
        equation = Equation(total, parts, rest)
        self.equations.append(equation)
        return equation

    def shown_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.shown]
