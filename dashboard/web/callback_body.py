"""What a Dash callback request must look like before Dash reads it; anything else is a 400.

Dash trusts the body its renderer sends: an input too few, an item where a
list should be, or a pattern-matching id that is not JSON make it fail deep
inside with a 500.  The guard reads the body with ``read_callback_body``
(JSON, nested at most ``MAX_JSON_DEPTH``, an object with an ``output``
key, ``changedPropIds`` a list of ids Dash can parse), and once it knows
the callback and the user's right to fire it, checks the body against the
callback's own declaration with ``check_callback_body``: as many inputs,
states and outputs as declared, each an ``{id, property}`` item, or a list of
them where the declaration matches ``ALL`` or ``ALLSMALLER`` components.
The values of the properties whose type Dash fixes (clicks, ticks, dates,
click data: ``callback_values.PROPERTY_VALUES``) and the values in
pattern-matching ids (text, numbers, booleans) are checked too; the
others are the callback's to read (``read_arguments``, for the ``values=``
of ``requires``).  Dash's own page router's inputs must be text
(``check_router_values``).  Each refusal names the field (``component.property``).
"""

from __future__ import annotations

import inspect
import json

from dash import callback_context
from flask import request

from dashboard.web.callback_values import (
    MAX_CODE,
    PROPERTY_VALUES,
    InputInvalid,
    Parser,
    code,
)
from dashboard.web.hygiene import MAX_JSON_DEPTH, JSONRefused, RequestRefused, bounded_loads

MANY = (["ALL"], ["ALLSMALLER"])  # wildcards that match a list of components


def _refuse(field: str):
    return RequestRefused(400, field, "request.reason.callback")


def _readable_id(prop_id: str) -> bool:
    component = prop_id.rpartition(".")[0]
    if not component.startswith("{"):
        return True
    try:
        return isinstance(bounded_loads(component), dict)
    except JSONRefused:
        raise RequestRefused(400, "changedPropIds", "request.reason.too_deep",
                             depth=MAX_JSON_DEPTH) from None
    except ValueError:
        return False


def read_callback_body() -> dict:
    """The body of this Dash callback request, or ``RequestRefused`` (400, 415 or 413)."""
    body = request.get_json()  # not JSON, nested too deep, too large: dashboard.web.hygiene
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise _refuse("body")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(prop, str) and _readable_id(prop)
                                                for prop in changed):
        raise _refuse("changedPropIds")
    return body


def _many(component_id) -> bool:
    """True when a declared id matches a list of components (``ALL``, ``ALLSMALLER``)."""
    if isinstance(component_id, str) and component_id.startswith("{"):
        component_id = json.loads(component_id)  # our own declaration
    return isinstance(component_id, dict) and any(v in MANY for v in component_id.values())


def _item(sent) -> bool:
    return (isinstance(sent, dict) and isinstance(sent.get("property"), str)
            and isinstance(sent.get("id"), str | dict))


def _fits(declared_id, sent) -> bool:
    if _many(declared_id):
        return isinstance(sent, list) and all(_item(one) for one in sent)
    return _item(sent)


def _declared_outputs(output: str) -> list[str]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [part.rsplit(".", 1)[0] for part in parts]


def check_router_values(body: dict) -> None:
    """The page router's inputs (the address's path and query) must be text."""
    if not all(isinstance(item.get("value"), str | None) for item in body.get("inputs", [])):
        raise _refuse("inputs")


def field_name(item: dict) -> str:
    """``component.property`` of a sent (or declared) item; a pattern id as compact JSON."""
    component = item.get("id")
    if isinstance(component, dict):
        component = json.dumps(component, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
    return f"{str(component)[:80]}.{item.get('property')}"


def _refused_value(item: dict, refused: InputInvalid) -> RequestRefused:
    return RequestRefused(400, field_name(item), refused.reason, **refused.params)


def _check_values(sent) -> None:
    """The values Dash fixes the type of, and the values of pattern-matching ids."""
    for item in sent if isinstance(sent, list) else [sent]:
        try:
            for value in item["id"].values() if isinstance(item["id"], dict) else ():
                if not isinstance(value, str | int | float):  # bool is an int
                    raise InputInvalid("request.reason.not_code", limit=MAX_CODE)
                code(value) if isinstance(value, str) else None
            parse = PROPERTY_VALUES.get(item["property"])
            if parse is not None:
                parse(item.get("value"))
        except InputInvalid as refused:
            raise _refused_value(item, refused) from None


def check_callback_body(body: dict, callback: dict) -> None:
    """Raise ``RequestRefused`` (400) unless ``body`` has the shape ``callback`` declares."""
    for field, declared in (("inputs", callback.get("inputs", [])),
                            ("state", callback.get("state", []))):
        sent = body.get(field, [])
        if not isinstance(sent, list) or len(sent) != len(declared) or not all(
                _fits(spec["id"], one) for spec, one in zip(declared, sent, strict=True)):
            raise _refuse(field)
        for one in sent:
            _check_values(one)
    if callback.get("no_output"):
        return
    outputs = _declared_outputs(body["output"])
    sent = body.get("outputs")
    if body["output"].startswith(".."):
        if not isinstance(sent, list) or len(sent) != len(outputs) or not all(
                _fits(declared, one) for declared, one in zip(outputs, sent, strict=True)):
            raise _refuse("outputs")
    elif not _fits(outputs[0], sent):
        raise _refuse("outputs")


def _argument_item(index: int, name: str) -> dict:
    """The input or state item that carried argument ``index`` of the running callback."""
    try:
        items = [*callback_context.inputs_list, *callback_context.states_list]
        item = items[index]
    except (AttributeError, IndexError, KeyError, TypeError, LookupError):
        return {"id": name, "property": "value"}
    return item[0] if isinstance(item, list) and item else item if isinstance(item, dict) \
        else {"id": name, "property": "value"}


def read_arguments(func, parsers: dict[str, Parser]):
    """``(args, kwargs) -> (args, kwargs)``: each argument named in ``parsers`` read by its
    parser; ``RequestRefused`` (400) naming the input that carried a value it refuses."""
    if not parsers:
        return lambda args, kwargs: (args, kwargs)
    signature = inspect.signature(func)
    names = list(signature.parameters)
    unknown = set(parsers) - set(names)
    if unknown:
        raise TypeError(f"{func.__qualname__} has no argument {sorted(unknown)}")

    def read(args, kwargs):
        bound = signature.bind(*args, **kwargs)
        for name, parse in parsers.items():
            if name in bound.arguments:
                try:
                    bound.arguments[name] = parse(bound.arguments[name])
                except InputInvalid as refused:
                    item = _argument_item(names.index(name), name)
                    raise _refused_value(item, refused) from None
        return bound.args, bound.kwargs

    return read
