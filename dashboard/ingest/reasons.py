"""Why an ingest refused a record: a stable code and its parameters, in English for machines, in any
language for people.

Every error of ``ingest_batch`` (and of a file's cells) is
``{"field", "reason", "code", "params"}``: ``reason`` is the English text the
HTTP API has always answered, ``code`` one of ``REASONS`` (or ``cell.<reason>``
for a file's cell, ``dashboard.ingest.files``) and ``params`` the values its
message needs.  People read ``reason_text`` (message ``ingest.reason.<code>``
in their language, with the field's example of ``data/reference/import_examples.csv``);
a file's report names the row and the column too (``row_text``).  No
parameter is a value the sender sent: a reason never repeats a phone, an ID
number or any other input (a cell's error names its time, amount or code as
written, which the clerk must find in the file).

A pydantic error with no code of its own here (``PYDANTIC_CODES``) is
``invalid``: "is not valid for the column; example: ...", never pydantic's words.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pydantic_core import PydanticCustomError

from dashboard.i18n import catalogue, normalize, t
from dashboard.paths import REFERENCE_DIR

EXAMPLES_FILE = REFERENCE_DIR / "import_examples.csv"
CELL = "cell."
FIELD_PARAMS = ("other", "amount", "previous")  # parameters that name another field

# code -> the English reason of the API ({name}: a parameter)
REASONS = {
    # the record's shape (pydantic)
    "not_object": "must be a JSON object",
    "missing": "is required",
    "extra_field": "is not a field of this kind of record",
    "not_text": "must be text",
    "empty": "must not be empty",
    "too_short": "must be at least {min_length} characters",
    "too_long": "must be at most {max_length} characters",
    "pattern": "has characters this field does not allow",
    "not_number": "must be a number",
    "too_small": "must be at least {limit}",
    "too_large": "must be at most {limit}",
    "time_invalid": "is not a date and time (as 2026-11-22T10:00:00+08:00)",
    "invalid": "is not valid",
    # amounts, free text and the person (the schemas' own checks)
    "amount_invalid": "must be a number of yuan",
    "amount_not_finite": "must be a finite number",
    "amount_negative": "must not be negative",
    "amount_too_large": "is implausibly large (over 1e12 yuan)",
    "control_characters": "must not hold control characters",
    "personal_number": "contains a phone, ID or bank account number",
    "phone_invalid": "must be a mainland mobile (11 digits from 13..19) or a landline with area code",
    "id_number_invalid": "must be an 18-character resident ID number with a valid check character",
    "bank_account_invalid": "must be 12 to 19 digits",
    "account_invalid": "must be 10 to 30 digits",
    # the record's fields together
    "lon_lat_pair": "give both or neither",
    "station_or_point": "required when no coordinates (lon, lat) are given",
    "station_or_warning": "required when no warning_external_id is given",
    "not_before": "must not be before {other}",
    "outcome_required": "required with loss, loss_avoided or closed_at",
    "stage_pair": "give it exactly when {amount} is above 0",
    "stage_order": "must come after {previous}",
    "stage_amount": "must not exceed {previous}",
    # times against the clock and the warning (dashboard.domain.times)
    "time_naive": "must carry a time zone (as 2026-11-22T10:00:00+08:00)",
    "time_out_of_range": "is out of range: it cannot be read as a Shanghai time",
    "time_too_early": "must not lie before {earliest}",
    "time_future": "lies more than {minutes} minutes in the future",
    "time_before": "must not lie before the warning's received_at ({at})",
    # reference lists, units, the sender, what is stored already
    "code_unknown": "unknown code (see data/reference/{table}.csv)",
    "source_mismatch": "this token is for source '{source}'",
    "follow_refused": "source '{source}' may write follow-ups of warnings of {granted} only",
    "station_unknown": "no station with this code",
    "station_retired": "station {station} ({name}) was retired on {day}; send it to its successor "
                       "{successor} ({successor_name})",
    "station_retired_alone": "station {station} ({name}) was retired on {day} and has no successor; "
                             "send it to the station that now covers the place",
    "station_outside": "the station is outside the unit this import is for",
    "point_outside": "the point lies in no station precinct",
    "county_mismatch": "is not the county of the station",
    "warning_unknown": "no warning with this source and external_id",
    "warning_archived": "this warning was archived with its month (antifraud archive); restore the month to change it",
    "warning_closed": "the warning is already closed as '{outcome}'",
    "case_unknown": "no case with this number",
    "twice_in_batch": "appears twice in the batch with different content",
    "differs_warning": "differs from the stored warning with this external_id",
    "differs_closed_warning": "differs from the stored warning with this external_id "
                              "(closed warnings do not change)",
    "differs_attempt": "differs from the stored attempt with this external_id",
    "differs_stop_payment": "differs from the stored stop-payment (only a stage not yet recorded may be added)",
}

# pydantic's error types -> our codes, and the context values each keeps
PYDANTIC_CODES = {
    "missing": ("missing", ()), "extra_forbidden": ("extra_field", ()),
    "string_type": ("not_text", ()), "string_too_long": ("too_long", ("max_length",)),
    "string_too_short": ("too_short", ("min_length",)),
    "string_pattern_mismatch": ("pattern", ()),
    "float_type": ("not_number", ()), "float_parsing": ("not_number", ()),
    "int_type": ("not_number", ()), "int_parsing": ("not_number", ()),
    "finite_number": ("not_number", ()),
    "greater_than_equal": ("too_small", ("ge",)), "greater_than": ("too_small", ("gt",)),
    "less_than_equal": ("too_large", ("le",)), "less_than": ("too_large", ("lt",)),
    "datetime_type": ("time_invalid", ()), "datetime_parsing": ("time_invalid", ()),
    "datetime_from_date_parsing": ("time_invalid", ()), "datetime_object_invalid": ("time_invalid", ()),
    "timezone_aware": ("time_naive", ()),
    "model_type": ("not_object", ()), "model_attributes_type": ("not_object", ()),
    "dict_type": ("not_object", ()),
}


def refusal(field: str, code: str, **params) -> dict:
    """One error: ``{field, reason (English), code, params}``."""
    return {"field": field, "reason": REASONS[code].format(**params), "code": code, "params": params}


def refused(code: str, field: str | None = None, **params) -> PydanticCustomError:
    """The error a schema's validator raises: pydantic keeps ``code`` and ``params`` (and
    ``field``, for a check of the record as a whole) for ``from_pydantic``."""
    context = {**params, **({"field": field} if field else {})}
    return PydanticCustomError(code, REASONS[code], context)


def from_pydantic(field: str, error: dict) -> dict:
    """One pydantic error (``loc`` already made ``field``) as ours; unknown types are ``invalid``."""
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind in REASONS:  # raised by ``refused``
        params = {k: v for k, v in context.items() if k != "field"}
        return refusal(context.get("field") or field, kind, **params)
    if kind == "string_too_short" and context.get("min_length") == 1:
        return refusal(field, "empty")
    code, kept = PYDANTIC_CODES.get(kind, ("invalid", ()))
    params = {("limit" if name in ("ge", "gt", "le", "lt") else name): context[name]
              for name in kept if name in context}
    return refusal(field, code, **params)


@cache
def examples(path: Path = EXAMPLES_FILE) -> dict[tuple[str, str], str]:
    """(field, language) -> an example of what the field holds, from the data file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {(row["field"].strip(), lang): row[f"example_{column}"].strip()
                for row in csv.DictReader(fh) for lang, column in (("zh-CN", "zh"), ("en", "en"))}


def example_of(field: str, lang: str) -> str:
    """The example of a field (``person.phone`` or ``person_phone``) in ``lang``; "-" when none."""
    return examples().get((field.replace(".", "_"), normalize(lang)), "-")


def _safe(params: dict) -> dict:
    return {k: v if isinstance(v, int | float) else str(v) for k, v in (params or {}).items()}


def reason_text(error: dict, lang: str, names: dict[str, str] | None = None) -> str:
    """The error's reason for people, in ``lang``; an error kept before codes existed keeps its text.

    ``names``: field -> its column as a file names it, for a reason naming another field.
    """
    code = error.get("code")
    lang = normalize(lang)
    params = _safe(error.get("params"))
    for name in FIELD_PARAMS:
        if name in params and names:
            params[name] = names.get(params[name], params[name])
    if code and code.startswith(CELL):  # a cell's message names its own example
        key = f"import.cell.{code[len(CELL):]}"
    else:
        key = f"ingest.reason.{code}"
        params["example"] = example_of(str(error.get("field", "")), lang)
    if not code or key not in catalogue(lang):
        return str(error.get("reason", ""))
    return t(key, lang, **params)


def row_text(error: dict, lang: str, row: int, column: str, names: dict[str, str] | None = None) -> str:
    """The error as a file's report says it: the row, the column as the file names it, the reason
    (``names``: the file's columns by field)."""
    if str(error.get("code", "")).startswith(CELL):
        return reason_text(error, lang)
    return t("import.row_reason", lang, row=row, column=column, reason=reason_text(error, lang, names))


def field_text(error: dict, lang: str) -> str:
    """``field: reason`` in ``lang``, as the rejected records page lists an error."""
    return f"{error.get('field', '')}: {reason_text(error, lang)}"
