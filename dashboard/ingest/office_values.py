"""Cells as office software writes them, made into the API's text: times, amounts, coded values.

A clerk's file holds ``2026/12/6 14:05``, ``2026年12月6日 14时05分``, Excel
date cells and serial numbers, ``￥1,234.50`` with full-width digits, and
coded values by their names (刷单返利, 高风险 or 高, Call with a fraud
number).  Each converter returns the text the API accepts, or raises
``CellError`` with a message id (``import.cell.<reason>``) and an example of
the expected form; ``dashboard.ingest.files`` names the row, the column and
the value in the user's language.

A time without a zone is in the import's zone (Asia/Shanghai unless the
import says otherwise).  A date with no time is refused, never taken as
midnight.  Amounts are yuan; a header naming 万元 multiplies by 10,000; fen
are kept in the text, and ``dashboard.ingest.schemas`` rounds them to the
yuan as it does for the API (``docs/metrics.md``: amounts in whole yuan, decided).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path

from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.domain.reference_files import read_reference_file
from dashboard.paths import REFERENCE_DIR

TIME_EXAMPLE = "2026-12-06 14:05"
AMOUNT_EXAMPLE = "1,234.50"
EXCEL_EPOCH = datetime(1899, 12, 30)
SERIAL_RANGE = (36526, 73051)  # 2000-01-01 .. 2100-01-01 as Excel day numbers
# the reference list of each coded field of the files
CODE_LISTS = {"fraud_type": "fraud_types", "risk_level": "risk_levels", "channel": "channels",
              "method": "dissuasion_methods", "result": "dissuasion_results", "outcome": "outcomes"}

_DATE = r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
_TIME = (r"(?P<H>\d{1,2})\s*(?::|时|点)\s*(?P<M>\d{1,2})\s*分?"
         r"(?:\s*(?::|分)?\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?)?")
DATE_TIME = re.compile(rf"^{_DATE}(?:(?:\s*T\s*|\s+|(?<=日)){_TIME})?$")
ZONE_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
ISO_TIME = re.compile(r"\d[T ]\d{2}:\d{2}")
PLAIN_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
GROUPED_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
CURRENCY = re.compile(r"^(?:￥|¥|RMB|CNY)\s*|\s*(?:元|人民币)$", re.IGNORECASE)


class CellError(ValueError):
    """A cell that cannot be what its column holds; ``reason`` names the message, ``example`` the form."""

    def __init__(self, reason: str, example: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.example = example


def _normal(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms; spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def excel_serial(number: float) -> datetime | None:
    """The naive time of an Excel day number (1900 system), or None outside 2000..2100."""
    if not SERIAL_RANGE[0] <= number < SERIAL_RANGE[1]:
        return None
    return EXCEL_EPOCH + timedelta(days=number)


def office_time(value, zone: tzinfo, *, date_only: bool = False) -> str:
    """ISO 8601 text with a zone from a cell: text, a spreadsheet date cell or an Excel serial number.

    ``date_only``: the spreadsheet cell is formatted as a date, with no time.
    """
    if isinstance(value, datetime):
        if date_only:
            raise CellError("time_without_time", TIME_EXAMPLE)
        return (value if value.tzinfo else value.replace(tzinfo=zone)).isoformat()
    if isinstance(value, date):
        raise CellError("time_without_time", TIME_EXAMPLE)
    if isinstance(value, time):
        raise CellError("time_invalid", TIME_EXAMPLE)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_time(float(value), zone)
    text = _normal(str(value))
    if PLAIN_NUMBER.match(text):
        return _serial_time(float(text), zone)
    if ZONE_SUFFIX.search(text) and ISO_TIME.search(text):  # ISO 8601 with its zone: kept
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CellError("time_invalid", TIME_EXAMPLE) from None
        return text if "T" in text else moment.isoformat()
    match = DATE_TIME.match(text)
    if match is None:
        raise CellError("time_invalid", TIME_EXAMPLE)
    if match["H"] is None:
        raise CellError("time_without_time", TIME_EXAMPLE)
    seconds = Decimal(match["S"] or 0)
    try:
        naive = datetime(int(match["y"]), int(match["m"]), int(match["d"]), int(match["H"]),
                         int(match["M"]), int(seconds), int((seconds % 1) * 1_000_000))
    except ValueError:
        raise CellError("time_invalid", TIME_EXAMPLE) from None
    return naive.replace(tzinfo=zone).isoformat()


def _serial_time(number: float, zone: tzinfo) -> str:
    moment = excel_serial(number)
    if moment is None:
        raise CellError("time_invalid", TIME_EXAMPLE)
    if number.is_integer():
        raise CellError("time_without_time", TIME_EXAMPLE)
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)  # float noise
    return moment.replace(tzinfo=zone).isoformat()


def office_amount(value, multiplier: int = 1) -> str:
    """The amount in yuan as plain decimal text: separators, ``￥``/``元`` and full-width digits undone."""
    if isinstance(value, bool):
        raise CellError("amount_invalid", AMOUNT_EXAMPLE)
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = CURRENCY.sub("", _normal(str(value)).replace(" ", ""))
        if text.startswith("-") or text.startswith("(") and text.endswith(")"):
            raise CellError("amount_negative", AMOUNT_EXAMPLE)
        if not (PLAIN_NUMBER.match(text) or GROUPED_NUMBER.match(text)):
            raise CellError("amount_invalid", AMOUNT_EXAMPLE)
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError("amount_invalid", AMOUNT_EXAMPLE) from None
    if not number.is_finite():
        raise CellError("amount_invalid", AMOUNT_EXAMPLE)
    if number < 0:
        raise CellError("amount_negative", AMOUNT_EXAMPLE)
    number *= multiplier
    return format(number.normalize(), "f")


def has_fen(amount_text: str) -> bool:
    """Whether an amount of ``office_amount`` is not whole yuan (it will be rounded when stored)."""
    number = Decimal(amount_text)
    return number != number.to_integral()


def _key(text: str) -> str:
    return _normal(text).replace(" ", "").casefold()


@cache
def code_names(table: str, directory: Path = REFERENCE_DIR) -> tuple[dict[str, str], str]:
    """Every way a file may write a code of ``table`` -> the code, and an example name.

    The code itself, its Chinese and English names, and a Chinese name without
    its ``风险`` (高风险 or 高).
    """
    model = next(m for m in REFERENCE_MODELS if m.__tablename__ == table)
    names: dict[str, str] = {}
    rows = read_reference_file(model, directory)
    for row in rows:
        for name in (row["code"], row["name_zh"], row["name_en"]):
            names[_key(name)] = row["code"]
        if row["name_zh"].endswith("风险") and len(row["name_zh"]) > 2:
            names.setdefault(_key(row["name_zh"].removesuffix("风险")), row["code"])
    example = rows[0]["name_zh"] if rows else ""
    return names, example


def office_code(field: str, value) -> str:
    """The code of a coded cell written as its code or its Chinese or English name."""
    code = _code(field, str(value))
    if code is None:
        raise CellError("code_unknown", code_names(CODE_LISTS[field])[1])
    return code


@lru_cache(maxsize=4096)
def _code(field: str, text: str) -> str | None:
    """The code ``text`` names in the list of ``field``, or None (a file repeats a few names a
    million times: each is looked up once)."""
    return code_names(CODE_LISTS[field])[0].get(_key(text))
