"""A small expression language for aggregate measures: one expression, three forms.

Each expression renders to a SQLAlchemy Core column expression (``sql``, for
the set-based rebuild), to Python source of a function of one row (``py``;
``row_function`` compiles several into one function of a mapping of column
name to value, for per-row upkeep and an ingest batch: no call per node,
so a batch of a thousand warnings sums in a few milliseconds) and
evaluates on a pandas DataFrame (``frame``, for the demo's bulk build).  The three forms keep SQL's meaning: a comparison with an empty
value is false, a condition's flag is 0 or 1.

Row values are as stored: times naive Shanghai wall time to the second
(``dashboard.aggregates.definitions`` converts them when it makes a row).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, literal

from dashboard.aggregates.sql import day_of, hour_of, seconds_between
from dashboard.domain.aggregates import (
    RESPONSE_BUCKET_STEPS,
    RESPONSE_BUCKETS,
    RESPONSE_LAST_BUCKET,
    response_bucket,
)

RowFunction = Callable[[Mapping], object]
_NAMESPACE = {"response_bucket": response_bucket}
BUCKET_LOWER = np.array(RESPONSE_BUCKETS, dtype=np.int64)


class Expr(ABC):
    """A value of a source row: ``sql(columns)``, ``row()`` and ``frame(df)`` give it in each form.

    Every kind of expression gives all three forms (abstract here)."""

    @abstractmethod
    def sql(self, c: Mapping):
        """The value as a SQLAlchemy Core expression over the source's columns ``c``."""

    @abstractmethod
    def py(self) -> str:
        """Python source of the value, the row being ``r``."""

    def row(self) -> RowFunction:
        """The value as a function of a row."""
        return row_function(self)

    @abstractmethod
    def frame(self, f: pd.DataFrame):
        """The value over a DataFrame of source rows (a Series, or a scalar for a constant)."""

    def columns(self) -> set[str]:
        """The source columns it reads."""
        return set()


class Cond(Expr):
    """A condition: true or false (never empty) on a row and a frame, a boolean clause in SQL."""


class col(Expr):  # noqa: N801 - the names read as the language
    """A column of the source."""

    def __init__(self, name: str) -> None:
        self.name = name

    def sql(self, c):
        return c[self.name]

    def py(self):
        return f"r[{self.name!r}]"

    def frame(self, f):
        return f[self.name]

    def columns(self):
        return {self.name}


class const(Expr):  # noqa: N801
    """A constant (a count's 1, a label such as a response measure's name)."""

    def __init__(self, value) -> None:
        self.value = value

    def sql(self, c):
        return literal(self.value)

    def py(self):
        return repr(self.value)

    def frame(self, f):
        return self.value


ONE = const(1)


class _Of(Expr):
    def __init__(self, *args: Expr) -> None:
        self.args = args

    def columns(self):
        return set().union(*(a.columns() for a in self.args))


class day(_Of):  # noqa: N801
    """The local day of a time."""

    def sql(self, c):
        return day_of(self.args[0].sql(c))

    def py(self):
        return f"{self.args[0].py()}.date()"

    def frame(self, f):
        return pd.Series(self.args[0].frame(f).to_numpy().astype("datetime64[D]"), index=f.index)


class hour(_Of):  # noqa: N801
    """The start of the local hour of a time."""

    def sql(self, c):
        return hour_of(self.args[0].sql(c))

    def py(self):
        return f"{self.args[0].py()}.replace(minute=0, second=0)"

    def frame(self, f):
        return self.args[0].frame(f).dt.floor("h")


def bucket_of_seconds(seconds):
    """SQL of ``response_bucket``: the histogram bucket (minutes) of a wait of ``seconds``."""
    minutes = seconds // 60
    whens = [(seconds < 0, 0), (minutes >= RESPONSE_LAST_BUCKET, RESPONSE_LAST_BUCKET)]
    for start, width in reversed(RESPONSE_BUCKET_STEPS):
        whens.append((minutes >= start, literal(start) + (minutes - start) // width * width))
    return case(*whens)


class wait_bucket(_Of):  # noqa: N801
    """The histogram bucket (``response_bucket``, minutes) of the wait from the second time to the first."""

    def sql(self, c):
        later, earlier = (a.sql(c) for a in self.args)
        return bucket_of_seconds(seconds_between(later, earlier))

    def py(self):
        later, earlier = (a.py() for a in self.args)
        return f"response_bucket(int(({later} - {earlier}).total_seconds()))"

    def frame(self, f):
        later, earlier = (a.frame(f).to_numpy() for a in self.args)
        seconds = (later - earlier).astype("timedelta64[s]").astype(np.int64)
        minutes = np.maximum(seconds, 0) // 60
        return pd.Series(BUCKET_LOWER[np.searchsorted(BUCKET_LOWER, minutes, side="right") - 1], index=f.index)


class flag(_Of):  # noqa: N801
    """1 where the condition holds, else 0."""

    def sql(self, c):
        return case((self.args[0].sql(c), 1), else_=0)

    def py(self):
        return f"(1 if {self.args[0].py()} else 0)"

    def frame(self, f):
        return self.args[0].frame(f).astype(np.int64)


class when(_Of):  # noqa: N801
    """The value where the condition holds, else 0."""

    def sql(self, c):
        condition, value = (a.sql(c) for a in self.args)
        return case((condition, value), else_=0)

    def py(self):
        condition, value = (a.py() for a in self.args)
        return f"({value} if {condition} else 0)"

    def frame(self, f):
        condition, value = (a.frame(f) for a in self.args)
        return value.where(condition, 0)


class present(_Of, Cond):  # noqa: N801
    """The value is not empty (``IS NOT NULL``)."""

    def sql(self, c):
        return self.args[0].sql(c).is_not(None)

    def py(self):
        return f"({self.args[0].py()} is not None)"

    def frame(self, f):
        return self.args[0].frame(f).notna()


class at_or_before(_Of, Cond):  # noqa: N801
    """The first time is at or before the second; false if either is empty."""

    def sql(self, c):
        a, b = (x.sql(c) for x in self.args)
        return a <= b

    def py(self):
        a, b = (x.py() for x in self.args)
        return f"({a} is not None and {b} is not None and {a} <= {b})"

    def frame(self, f):
        a, b = (x.frame(f) for x in self.args)
        return a <= b  # NaT compares false


class truth(_Of, Cond):  # noqa: N801
    """A boolean column (empty is false)."""

    def sql(self, c):
        return self.args[0].sql(c)

    def py(self):
        return f"bool({self.args[0].py()})"

    def frame(self, f):
        return self.args[0].frame(f).fillna(False).astype(bool)


class all_of(_Of, Cond):  # noqa: N801
    """Every condition holds."""

    def sql(self, c):
        return and_(*(a.sql(c) for a in self.args))

    def py(self):
        return "(" + " and ".join(a.py() for a in self.args) + ")"

    def frame(self, f):
        out = self.args[0].frame(f)
        for a in self.args[1:]:
            out = out & a.frame(f)
        return out


def row_function(expr: Expr) -> RowFunction:
    """The value of ``expr`` as one function of a row."""
    return eval(f"lambda r: {expr.py()}", dict(_NAMESPACE))  # noqa: S307 - source made from the descriptions


def tuple_function(*exprs: Expr, amounts: bool = False) -> RowFunction:
    """One function of a row giving the tuple of ``exprs``' values.

    ``amounts``: each value as a whole number, an empty one as 0 (what a measure adds).
    """
    parts = [e.py() for e in exprs]
    if amounts:
        parts = [p if isinstance(e, const) else f"int({p} or 0)" for p, e in zip(parts, exprs, strict=True)]
    body = "(" + "".join(f"{p}, " for p in parts) + ")"
    return eval(f"lambda r: {body}", dict(_NAMESPACE))  # noqa: S307 - source made from the descriptions
