"""The disclosure engine on small hand-made tables: primary and secondary suppression, both attacks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.disclosure import PRIMARY, PUBLISHED, SECONDARY, Cells, protect
from dashboard.disclosure.attack import bounds, determined_by_algebra
from dashboard.disclosure.suppression import starting_bounds


def one_way(values: dict[str, int]) -> Cells:
    cells = Cells()
    for key, value in values.items():
        cells.add(key, value)
    cells.add("total", sum(values.values()))
    cells.add_sum("total", list(values))
    return cells


def two_way(grid: list[list[int]]) -> Cells:
    """A table with row and column totals and a grand total."""
    cells = Cells()
    rows, cols = len(grid), len(grid[0])
    for r, c in itertools.product(range(rows), range(cols)):
        cells.add((r, c), grid[r][c])
    for r in range(rows):
        cells.add((r, "T"), sum(grid[r]))
        cells.add_sum((r, "T"), [(r, c) for c in range(cols)])
    for c in range(cols):
        cells.add(("T", c), sum(grid[r][c] for r in range(rows)))
        cells.add_sum(("T", c), [(r, c) for r in range(rows)])
    cells.add(("T", "T"), sum(map(sum, grid)))
    cells.add_sum(("T", "T"), [(r, "T") for r in range(rows)])
    return cells


def test_a_small_count_is_primary_and_a_second_cell_hides_it():
    status = protect(one_way({"a": 3, "b": 50, "c": 70}), 5).status
    assert status["a"] == PRIMARY
    assert status["b"] == SECONDARY  # the smallest other cell, not the total
    assert status["c"] == status["total"] == PUBLISHED


def test_zero_is_published_and_a_table_without_small_cells_is_untouched():
    status = protect(one_way({"a": 0, "b": 50, "c": 70}), 5).status
    assert set(status.values()) == {PUBLISHED}


def test_bounds_attack_needs_a_third_cell():
    # a=1 "<5" (1..4), b=5 "x" (0 or >= 5): a + b = 6 pins a to 1 unless one more cell goes
    status = protect(one_way({"a": 1, "b": 5, "c": 50}), 5).status
    assert status["a"] == PRIMARY
    assert sorted(k for k, s in status.items() if s == SECONDARY) == ["b", "c"]


def test_two_way_table_keeps_the_totals_and_hides_the_small_cell():
    cells = two_way([[3, 20, 30], [30, 40, 50], [25, 35, 45]])
    status = protect(cells, 5).status
    assert status[(0, 0)] == PRIMARY
    assert all(status[k] == PUBLISHED for k in cells.cells if "T" in k)  # totals are what is quoted
    assert 3 <= sum(1 for s in status.values() if s == SECONDARY) <= 5
    assert (0, 0) not in unknown_determined(cells, status)


def test_threshold_below_three_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        protect(one_way({"a": 1}), 2)


def test_amount_of_few_cases_is_sensitive():
    cells = Cells()
    assert cells.add("loss", 900_000, kind="yuan", basis=2).sensitive
    assert not cells.add("loss2", 900_000, kind="yuan", basis=7).sensitive
    assert not cells.add("loss3", 0, kind="yuan", basis=0).sensitive


def unknown_determined(cells: Cells, status: dict) -> set:
    """An independent check: rank([A_U; e_i]) == rank(A_U) means cell i is fixed by the equations."""
    unknown = sorted((k for k, s in status.items() if s != PUBLISHED), key=repr)
    index = {k: i for i, k in enumerate(unknown)}
    rows = []
    for eq in cells.equations:
        row = np.zeros(len(unknown))
        for key, sign in [(eq.total, 1)] + [(p, -1) for p in eq.parts]:
            if key in index:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(matrix) if rows else 0
    fixed = set()
    for key, i in index.items():
        unit = np.zeros((1, len(unknown)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            fixed.add(key)
    return fixed


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=4), min_size=2, max_size=4)
       .filter(lambda g: len({len(r) for r in g}) == 1))
def test_no_small_cell_of_a_random_two_way_table_can_be_worked_out(grid):
    cells = two_way(grid)
    protection = protect(cells, 5)
    status = protection.status
    for key, cell in cells.cells.items():
        if 0 < cell.value < 5:
            assert status[key] == PRIMARY
        elif status[key] == PUBLISHED:
            assert not 0 < cell.value < 5
    exposed = unknown_determined(cells, status) & {k for k, c in cells.cells.items() if c.sensitive}
    assert exposed == set()
    box = bounds(cells, {k for k, s in status.items() if s != PUBLISHED},
                 starting_bounds(cells, status, 5))
    assert all(box[k][0] < box[k][1] for k, s in status.items() if s == PRIMARY)


def test_algebra_finds_a_cell_fixed_through_two_equations():
    cells = Cells()
    for key, value in {"x": 3, "h": 7, "y": 10, "s1": 10, "s2": 17}.items():
        cells.add(key, value)
    cells.add_sum("s1", ["x", "h"])   # x + h = 10, both unknown
    cells.add_sum("s2", ["h", "y"])   # h + y = 17 with y published: h, then x, follow
    assert determined_by_algebra(cells, {"x", "h"}, {"x"}) == {"x"}
    assert determined_by_algebra(cells, {"x", "h", "y"}, {"x"}) == set()


def test_small_cells_that_pin_each_other_are_shown_as_x():
    # a county of 2 warnings, 1 + 1 at two stations: "<3" everywhere would read 2 = 1 + 1
    cells = one_way({"a": 1, "b": 1, "c": 0})
    status = protect(cells, 3).status
    assert SECONDARY in (status["a"], status["b"], status["total"])
    unknown = {k for k, s in status.items() if s != PUBLISHED}
    box = bounds(cells, unknown, starting_bounds(cells, status, 3))
    assert all(box[k][0] < box[k][1] for k in unknown)
