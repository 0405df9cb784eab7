"""The demo's calibration, read from ``data/demo/calibration.json``."""

from __future__ import annotations

import json
from functools import cache

import numpy as np

from dashboard.paths import DEMO_DIR


@cache
def calibration() -> dict:
    return json.loads((DEMO_DIR / "calibration.json").read_text(encoding="utf-8"))


def categorical(rng, weights: dict[str, float], n: int) -> tuple[list[str], object]:
    """Draw ``n`` codes from ``weights``; return the code list and the index array."""

    codes = list(weights)
    p = np.array([weights[c] for c in codes], dtype=float)
    idx = rng.choice(len(codes), size=n, p=p / p.sum())
    return codes, idx
