"""The shape of records coming in (pydantic): types, formats, ranges.

Checks that need the database (reference codes, unit codes, routing,
duplicates) happen in ``dashboard.ingest.batch``.  Every error names its
field, its reason in English and a code with its parameters
(``dashboard.ingest.reasons``: what people read, translated), and never repeats the value sent (a refused record is
kept, and its errors are shown, to people who must not read personal data).
Times must carry a time zone, convert to Shanghai time and not lie before
2000 (``dashboard.domain.times``; the bounds that need the clock or the
warning are checked by ``dashboard.ingest.times``); amounts are yuan (numbers
with fen are rounded half up to the yuan).  Free text (a note, an officer, a
bank) holding a phone, ID or bank account number is refused, as on the
station's form (``dashboard.domain.text``).
"""

from __future__ import annotations

import operator
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from dashboard.domain.text import has_control_characters, has_personal_number
from dashboard.domain.times import TimeRefused, to_shanghai
from dashboard.ingest.reasons import REASONS, from_pydantic, refusal, refused

ID_PATTERN = re.compile(r"\d{17}[\dXx]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def _yuan(value):
    """Whole yuan from an int, a float or a numeric string; bools and negatives refused."""
    if isinstance(value, bool):
        raise refused("amount_invalid")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | str):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise refused("amount_invalid") from None
        if not number.is_finite():
            raise refused("amount_not_finite")
    else:
        raise refused("amount_invalid")
    if number < 0:
        raise refused("amount_negative")
    if number > Decimal("1e12"):
        raise refused("amount_too_large")
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _shanghai(value):
    """Shanghai time from any offset; a time that cannot convert, or before 2000, is refused."""
    try:
        return to_shanghai(value)
    except TimeRefused as time_refused:
        raise refused(f"time_{time_refused.code}", **time_refused.params) from None


Yuan = Annotated[int, BeforeValidator(_yuan)]
# any offset is accepted; converted once here, so storing and bucketing need no more conversions
ShanghaiTime = Annotated[AwareDatetime, AfterValidator(_shanghai)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                        pattern=r"^[a-z0-9_]+$")]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                            pattern=r"^[0-9A-Za-z_-]+$")]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                          pattern=r"^[A-Za-z0-9_.-]+$")]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                              pattern=r"^[A-Za-z0-9_.:/-]+$")]
PERSONAL_NUMBER = REASONS["personal_number"]


def _free_text(value: str) -> str:
    """Refuse control characters and personal numbers in free text (the field is named by pydantic)."""
    if has_control_characters(value):
        raise refused("control_characters")
    if has_personal_number(value):
        raise refused("personal_number")
    return value


def free_text(max_length: int, min_length: int = 0):
    """A type of free text of at most ``max_length`` characters, checked by ``_free_text``."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length,
                                            max_length=max_length), AfterValidator(_free_text)]


Text = free_text(500)


def valid_id_number(value: str) -> bool:
    """An 18-character resident ID number whose GB 11643 check character is right."""
    if not ID_PATTERN.fullmatch(value):
        return False
    total = sum(map(operator.mul, map(int, value[:17]), ID_WEIGHTS))
    return ID_CHECK[total % 11] == value[17].upper()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(Strict):
    """The person at risk.  All optional: upstream platforms often know only a number."""

    name: Annotated[str, StringConstraints(max_length=40)] | None = None
    phone: str | None = None
    id_number: str | None = None
    bank_account: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value):
        if value is None:
            return value
        digits = value.replace(" ", "")
        if digits.startswith("+86"):
            digits = digits[3:]
        if not (MOBILE.match(digits) or LANDLINE.match(digits)):
            raise refused("phone_invalid")
        return digits

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value):
        if value is not None and not valid_id_number(value):
            raise refused("id_number_invalid")
        return value.upper() if value else value

    @field_validator("bank_account")
    @classmethod
    def _account(cls, value):
        if value is None:
            return value
        digits = value.replace(" ", "")
        if not re.fullmatch(r"\d{12,19}", digits):
            raise refused("bank_account_invalid")
        return digits


class WarningIn(Strict):
    source: Source
    external_id: ExternalId
    received_at: ShanghaiTime
    fraud_type: Code
    risk_level: Code
    channel: Code
    person: Person = Field(default_factory=Person)
    county_code: UnitCode | None = None
    station_code: UnitCode | None = None
    lon: float | None = Field(default=None, ge=73, le=136)
    lat: float | None = Field(default=None, ge=3, le=54)
    amount_at_risk: Yuan = 0

    @model_validator(mode="after")
    def _where(self):
        if (self.lon is None) != (self.lat is None):
            raise refused("lon_lat_pair", "lon" if self.lon is None else "lat")
        if self.station_code is None and self.lon is None:
            raise refused("station_or_point", "station_code")
        return self


class OutcomeIn(Strict):
    """One dissuasion attempt on a warning; with ``outcome`` it also closes the warning."""

    source: Source
    external_id: ExternalId
    warning_source: Source | None = None
    warning_external_id: ExternalId
    method: Code
    result: Code
    officer: free_text(80) | None = None
    started_at: ShanghaiTime
    ended_at: ShanghaiTime | None = None
    note: Text | None = None
    outcome: Code | None = None
    closed_at: ShanghaiTime | None = None
    loss: Yuan = 0
    loss_avoided: Yuan = 0

    @model_validator(mode="after")
    def _times(self):
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise refused("not_before", "ended_at", other="started_at")
        if self.outcome is None and (self.loss or self.loss_avoided or self.closed_at):
            raise refused("outcome_required", "outcome")
        if self.closed_at is not None and self.closed_at < self.started_at:
            raise refused("not_before", "closed_at", other="started_at")
        return self


class StopPaymentIn(Strict):
    source: Source
    external_id: ExternalId
    warning_source: Source | None = None
    warning_external_id: ExternalId | None = None
    case_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    station_code: UnitCode | None = None
    account: Annotated[str, StringConstraints(pattern=r"^\d{10,30}$")]
    bank: free_text(80, min_length=1)
    reported_at: ShanghaiTime
    requested_at: ShanghaiTime
    requested_amount: Yuan
    stopped_at: ShanghaiTime | None = None
    stopped_amount: Yuan = 0
    frozen_at: ShanghaiTime | None = None
    frozen_amount: Yuan = 0
    returned_at: ShanghaiTime | None = None
    returned_amount: Yuan = 0

    @model_validator(mode="after")
    def _stages(self):
        if self.requested_at < self.reported_at:
            raise refused("not_before", "requested_at", other="reported_at")
        if self.warning_external_id is None and self.station_code is None:
            raise refused("station_or_warning", "station_code")
        previous_at, previous_amount, previous = self.requested_at, self.requested_amount, "requested"
        for stage in ("stopped", "frozen", "returned"):
            at, amount = getattr(self, f"{stage}_at"), getattr(self, f"{stage}_amount")
            if (at is None) != (amount == 0):
                raise refused("stage_pair", f"{stage}_at", amount=f"{stage}_amount")
            if at is None:
                continue
            if previous_at is None or at < previous_at:
                raise refused("stage_order", f"{stage}_at", previous=f"{previous}_at")
            if amount > previous_amount:
                raise refused("stage_amount", f"{stage}_amount", previous=f"{previous}_amount")
            previous_at, previous_amount, previous = at, amount, stage
        return self


SCHEMAS: dict[str, type[Strict]] = {
    "warnings": WarningIn, "outcomes": OutcomeIn, "stop-payments": StopPaymentIn,
}


FIELD_NAMES = frozenset(name for schema in (*SCHEMAS.values(), Person) for name in schema.model_fields)
UNKNOWN_FIELD = "(unknown field)"


def _field_part(part) -> str:
    """A step of an error's location: a known field name or an index; a key sent by the client is not
    repeated (it may be anything, even someone's phone number)."""
    if isinstance(part, int) or part in FIELD_NAMES:
        return str(part)
    return UNKNOWN_FIELD


def errors_of(exc: ValidationError) -> list[dict]:
    """pydantic's errors as ours (``dashboard.ingest.reasons``: field as a dotted path, code, params),
    without the values sent."""
    return [from_pydantic(".".join(_field_part(p) for p in err["loc"]) or "record", err)
            for err in exc.errors(include_url=False, include_input=False)]


def parse(kind: str, raw) -> tuple[Strict | None, list[dict]]:
    """The validated record, or None and its errors."""
    if not isinstance(raw, dict):
        return None, [refusal("record", "not_object")]
    try:
        return SCHEMAS[kind].model_validate(raw), []
    except ValidationError as exc:
        return None, errors_of(exc)
