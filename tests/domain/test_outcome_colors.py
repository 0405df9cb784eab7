"""Each outcome has its own colour, from a palette safe for colour-blind readers, kept as data."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from dashboard.components.charts import OKABE_ITO, outcome_figure
from dashboard.domain.reference import Outcome
from dashboard.domain.reference_files import (
    ReferenceFileError,
    read_outcome_colors,
    read_reference_file,
)
from dashboard.paths import REFERENCE_DIR


def test_every_outcome_has_its_own_okabe_ito_colour():
    colors = read_outcome_colors()
    codes = [row["code"] for row in read_reference_file(Outcome)]
    assert set(codes) <= set(colors)
    assert len({colors[c].upper() for c in codes}) == len(codes)
    assert {colors[c].upper() for c in codes} <= {c.upper() for c in OKABE_ITO}


def _frame(codes):
    return pd.DataFrame({"code": codes, "name_zh": codes, "name_en": codes,
                         "closed": np.arange(1, len(codes) + 1), "dissuaded": [True] * len(codes)})


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_donut_gives_each_slice_its_own_colour(theme):
    codes = [row["code"] for row in read_reference_file(Outcome)]
    slices = outcome_figure(_frame(codes), "zh-CN", theme=theme)["data"][0]["marker"]["colors"]
    assert slices == [read_outcome_colors()[c] for c in codes]
    assert len(set(slices)) == len(slices)
    shares = outcome_figure(_frame(["a", "b", "c"]), "zh-CN")["data"][0]["text"]
    assert shares == ["16.7%", "33.3%", "50.0%"]  # one decimal, like every percentage
    # two outcomes marked "dissuaded" used to share one green: an unknown outcome gets a spare colour
    mixed = outcome_figure(_frame([codes[0], "new_outcome", "another"]), "en")["data"][0]["marker"]["colors"]
    assert len(set(mixed)) == 3 and mixed[0] == read_outcome_colors()[codes[0]]


@pytest.mark.parametrize(("content", "reason"), [
    ("code,colour\n", "missing columns"),
    ("code,color\ndissuaded_no_loss,green\n", "line 2: column 'color' must be #RRGGBB, got 'green'"),
    ("code,color\nrefused,#E69F00\nrefused,#009E73\n", "line 3: column 'code': 'refused' is given twice"),
    ("code,color\nrefused,#E69F00\nunreachable,#e69f00\n", "line 3: column 'color': #e69f00 is already"),
    ("code,color\nrefused,#E69F00\n", "no colour for the outcomes ['dissuaded_no_loss'"),
])
def test_a_bad_colour_file_is_refused_naming_line_and_column(tmp_path, content, reason):
    shutil.copy(REFERENCE_DIR / "outcomes.csv", tmp_path / "outcomes.csv")
    (tmp_path / "outcome_colors.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ReferenceFileError, match="outcome_colors.csv") as caught:
        read_outcome_colors(tmp_path)
    assert reason in str(caught.value)
