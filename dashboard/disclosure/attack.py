"""What a reader can work out from a published table set: the attacks protection must defeat.

Two attacks, both on the equations between cells, with every published cell
known:

1. **Linear algebra**: an unknown cell is determined when its unit vector
   lies in the row space of the equations restricted to the unknown cells
   (every solution agrees on it).  Computed per connected group of unknown
   cells from the null space (SVD): the cell is determined when every
   null-space vector is zero in its column.
2. **Bounds**: the reader knows that a "<5" cell lies in 1..threshold-1,
   that nothing is negative and that a cell suppressed as "x" is 0 or at
   least the threshold.  Bounds are narrowed equation by equation until
   nothing changes; a sensitive cell whose bounds meet is determined.

``exposed`` returns the sensitive cells either attack pins down.
"""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits

from dashboard.disclosure.model import Cells, Key

TOLERANCE = 1e-8
MAX_PASSES = 60


def _linear_rows(cells: Cells, unknown: set[Key]) -> list[tuple[dict[Key, float], float]]:
    """Each equation as ``{unknown key: coefficient}`` = constant (published values moved right)."""
    rows = []
    for eq in cells.equations:
        coefficients: dict[Key, float] = {}
        constant = float(eq.rest)
        for key, sign in [(eq.total, 1.0)] + [(p, -1.0) for p in eq.parts]:
            if key in unknown:
                coefficients[key] = coefficients.get(key, 0.0) + sign
            else:
                constant -= sign * cells.cells[key].value
        coefficients = {k: v for k, v in coefficients.items() if v}
        if coefficients:
            rows.append((coefficients, constant))
    return rows


def _groups(rows) -> list[list[int]]:
    """Indices of rows that share unknown cells, grouped (union-find)."""
    parent: dict[Key, Key] = {}

    def find(k):
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for coefficients, _ in rows:
        keys = list(coefficients)
        for other in keys[1:]:
            parent[find(other)] = find(keys[0])
    groups: dict[Key, list[int]] = {}
    for index, (coefficients, _) in enumerate(rows):
        groups.setdefault(find(next(iter(coefficients))), []).append(index)
    return list(groups.values())


def determined_by_algebra(cells: Cells, unknown: set[Key], wanted: set[Key],
                          cache: dict | None = None) -> set[Key]:
    """Cells of ``wanted`` (all unknown) whose value follows from the equations.

    A cell is fixed when its unit vector lies in the row space of the
    equations over the unknown cells: its projection onto an orthonormal
    basis of that space (thin SVD) has length 1.
    """
    rows = _linear_rows(cells, unknown)
    found: set[Key] = set()
    cache = {} if cache is None else cache
    for group in _groups(rows):
        keys = sorted({k for i in group for k in rows[i][0]}, key=repr)
        targets = wanted.intersection(keys)
        if not targets:
            continue
        signature = (tuple(group), tuple(keys), frozenset(targets))
        if signature in cache:  # the same equations over the same unknown cells: the same answer
            found |= cache[signature]
            continue
        column = {k: j for j, k in enumerate(keys)}
        matrix = np.zeros((len(group), len(keys)))
        for r, i in enumerate(group):
            for key, coefficient in rows[i][0].items():
                matrix[r, column[key]] = coefficient
        with threadpool_limits(1):  # many small SVDs: BLAS threads only fight over the cores
            _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((singular > TOLERANCE * max(1.0, singular.max(initial=0.0))).sum())
        basis = vt[:rank]
        fixed = {key for key in targets
                 if rank and float(np.square(basis[:, column[key]]).sum()) > 1 - 1e-7}
        cache[signature] = fixed
        found |= fixed
    return found


def _sum(terms: list[float]) -> tuple[float, int]:
    """(sum of the finite terms, how many are infinite)."""
    finite = [t for t in terms if math.isfinite(t)]
    return sum(finite), len(terms) - len(finite)


def bounds(cells: Cells, unknown: set[Key], start: dict[Key, tuple[float, float]]) -> dict:
    """Bounds of every unknown cell after narrowing by the equations (integers, so rounded in).

    A work list: an equation is looked at again only when a bound of one of
    its cells moved.
    """
    rows = _linear_rows(cells, unknown)
    box = {k: start.get(k, (0.0, math.inf)) for k in unknown}
    holding: dict[Key, list[int]] = {}
    for index, (coefficients, _) in enumerate(rows):
        for key in coefficients:
            holding.setdefault(key, []).append(index)
    pending = list(range(len(rows)))
    queued = set(pending)
    steps = 0
    limit = MAX_PASSES * max(len(rows), 1)
    while pending and steps < limit:
        steps += 1
        index = pending.pop()
        queued.discard(index)
        coefficients, constant = rows[index]
        lows = {k: a * (box[k][0] if a > 0 else box[k][1]) for k, a in coefficients.items()}
        highs = {k: a * (box[k][1] if a > 0 else box[k][0]) for k, a in coefficients.items()}
        low_sum, low_inf = _sum(list(lows.values()))
        high_sum, high_inf = _sum(list(highs.values()))
        for key, a in coefficients.items():
            own_low, own_high = lows[key], highs[key]
            rest_low = (-math.inf if low_inf - (not math.isfinite(own_low)) > 0
                        else low_sum - (own_low if math.isfinite(own_low) else 0.0))
            rest_high = (math.inf if high_inf - (not math.isfinite(own_high)) > 0
                         else high_sum - (own_high if math.isfinite(own_high) else 0.0))
            lo_new, hi_new = sorted(((constant - rest_high) / a, (constant - rest_low) / a))
            lo, hi = box[key]
            lo2 = max(lo, math.ceil(lo_new - 1e-9)) if math.isfinite(lo_new) else lo
            hi2 = min(hi, math.floor(hi_new + 1e-9)) if math.isfinite(hi_new) else hi
            if (lo2, hi2) != (lo, hi):
                box[key] = (lo2, hi2)
                for other in holding[key]:
                    if other != index and other not in queued:
                        pending.append(other)
                        queued.add(other)
    return box


def exposed(cells: Cells, unknown: set[Key], start: dict[Key, tuple[float, float]],
            cache: dict | None = None) -> set[Key]:
    """Sensitive unknown cells that a reader can work out exactly (``cache``: kept between calls)."""
    sensitive = {k for k in unknown if cells.cells[k].sensitive}
    if not sensitive:
        return set()
    found = determined_by_algebra(cells, unknown, sensitive, cache)
    box = bounds(cells, unknown, start)
    found |= {k for k in sensitive if box[k][0] >= box[k][1]}
    return found
