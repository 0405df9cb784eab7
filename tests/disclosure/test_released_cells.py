"""Cells a reader had before (``released``): known, never withheld, and what they give away alone
does not stop protection from settling."""

from __future__ import annotations

from dashboard.disclosure import PUBLISHED, SECONDARY, Cells, protect


def _model(*, second_known: bool) -> Cells:
    cells = Cells()
    cells.add("day1", 3, shown=False)                     # sensitive: 1..4
    cells.add("day2", 10, shown=False)
    cells.add("both-before", 13, shown=False, released=True)
    if second_known:
        cells.add("day2-before", 10, shown=False, released=True)
        cells.add_sum("day2-before", ["day2"])
    cells.add_sum("both-before", ["day1", "day2"])
    cells.add("day2-now", 10)                              # shown in this publication
    cells.add_sum("day2-now", ["day2"])
    return cells


def test_a_new_cell_that_would_give_back_a_small_one_with_an_old_one_is_withheld():
    protection = protect(_model(second_known=False), 5)
    assert protection.of("day2-now") == SECONDARY
    assert protection.of("both-before") == PUBLISHED  # known: never withheld


def test_what_old_cells_give_away_on_their_own_does_not_stop_protection():
    protection = protect(_model(second_known=True), 5)  # day1 = 13 - 10 from the old cells alone
    assert protection.of("both-before") == PUBLISHED and protection.of("day2-before") == PUBLISHED
