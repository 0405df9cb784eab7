"""What a Dash callback's inputs may hold: parsers that read one value or refuse it, naming why.

Anyone signed in can fire any callback with any JSON value in any input or
state.  A callback declares how its arguments are read,
``@requires("view_overview", values={"current": stored_query})``, and the
``requires`` decorator (``dashboard.web.guard``) runs each parser before the
callback: the callback gets the parsed value, and a value a parser refuses
(``InputInvalid``) answers 400 naming the component and property that
carried it (``overview-state.data``) and the reason, translated
(``dashboard/i18n/requests``).  ``check_callback_body`` checks the
properties whose type Dash fixes and that nobody types or picks
(``PROPERTY_VALUES``) for every callback before it runs.

A parser takes the raw value and returns what the callback works with; it
never guesses: a value that could mean something else is refused, not
replaced by a default.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dashboard.auth.records import MAX_ID
from dashboard.web.hygiene import has_control_character

MAX_COUNT = 10**9        # clicks, ticks: a browser counts one by one
MAX_PAGE = 10**6         # pages of a table
MAX_CODE = 64            # a code of a list (a kind, a period, a unit code)
MAX_TEXT = 20_000        # free text (the commands bound their own fields further)
MAX_CODES = 500          # choices of a multi-select
LINE_BREAKS = "\n\r\t"   # free text may span lines

Parser = Callable[[object], object]


class InputInvalid(ValueError):
    """A callback input that cannot be read: ``reason`` a message id (with ``params``)."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def _integer(value, low: int, high: int):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputInvalid("request.reason.not_integer")
    if not low <= value <= high:
        raise InputInvalid("request.reason.out_of_range", low=low, high=high)
    return value


def count(value) -> int | None:
    """Clicks or timer ticks (``n_clicks``, ``n_intervals``): None or 0 to ``MAX_COUNT``."""
    return _integer(value, 0, MAX_COUNT)


def page_number(value) -> int | None:
    """A page of a table (``active_page``): None or 1 to ``MAX_PAGE``."""
    return _integer(value, 1, MAX_PAGE)


def record_id(value) -> int | None:
    """A record id typed in a number field: None (or empty) or 1 to ``MAX_ID``."""
    return None if value == "" else _integer(value, 1, MAX_ID)


def text(value) -> str | None:
    """Free text: None or a string without control characters (line breaks and tabs allowed)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputInvalid("request.reason.not_text")
    if len(value) > MAX_TEXT:
        raise InputInvalid("request.reason.too_long", limit=MAX_TEXT)
    if has_control_character(value.translate(dict.fromkeys(map(ord, LINE_BREAKS)))):
        raise InputInvalid("request.reason.control_characters")
    return value


def code(value) -> str | None:
    """One choice of a list (a dropdown's value, a period): None or a short line of text.

    Whether the list holds it is the callback's (or its command's) to say."""
    value = text(value)
    if value is not None and (len(value) > MAX_CODE or has_control_character(value)):
        raise InputInvalid("request.reason.not_code", limit=MAX_CODE)
    return value


def codes(value) -> list[str]:
    """The choices of a multi-select: a list of codes (None: none)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputInvalid("request.reason.not_list")
    if len(value) > MAX_CODES:
        raise InputInvalid("request.reason.too_many", limit=MAX_CODES)
    return [code(str(one)) if isinstance(one, int) and not isinstance(one, bool) else code(one)
            for one in value]


def day(value) -> str | None:
    """A date picker's date: None or an ISO date ``YYYY-MM-DD`` (Dash may add a time)."""
    value = code(value)
    if not value:
        return None
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise InputInvalid("request.reason.not_date") from None
    return value


def stored_query(value) -> dict[str, str]:
    """A ``dcc.Store`` holding a URL's query (a view state): an object of short texts."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 32:
        raise InputInvalid("request.reason.not_query")
    for key, one in value.items():
        if not key or len(key) > MAX_CODE or not isinstance(one, str | None):
            raise InputInvalid("request.reason.not_query")
        text(one)
    return value


def click(value) -> dict | None:
    """A graph's ``clickData``: None or an object (its points are read with care by the page)."""
    if value is not None and not isinstance(value, dict):
        raise InputInvalid("request.reason.not_object")
    return value


def optional(parser: Parser) -> Parser:
    """``parser``, but an empty string reads as None (a cleared field)."""
    def parse(value):
        return None if value == "" else parser(value)

    return parse


# a report page's navigate callback: its period picker and its view state (``components.drill``)
NAVIGATION: dict[str, Parser] = {"preset": code, "start": day, "end": day,
                                 "current": stored_query}

# properties whose type Dash fixes and that nobody types or picks (clicks, ticks, click data,
# URL parts): checked for every callback.  A page number or a date is the callback's to read:
# a page may answer it with a message of its own (the audit log's filters).
PROPERTY_VALUES: dict[str, Parser] = {
    "n_clicks": count, "n_intervals": count, "n_submit": count, "n_blur": count,
    "clickData": click, "hoverData": click,
    "pathname": text, "search": text, "hash": text, "href": text,
}
