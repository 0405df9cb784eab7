"""A record's payload as everyone sees it (a rejected record, an import's preview): nothing personal in clear.

A refused record may hold anything anywhere (a phone number as a code, a
name in an unknown field), so the whole payload is walked:

- the person's fields and a stop-payment's account are masked as on the
  warning page (``PERSONAL_FIELDS``),
- free text (a note, an officer) is hidden entirely (``FREE_TEXT_FIELDS``):
  names and addresses have no format to find,
- every other value and every key has its phone, ID and account numbers
  masked (``dashboard.domain.text.redact_personal_numbers``).

The fields of ``REVEALABLE`` can be shown in clear, one at a time, to a role
that may unmask (``dashboard.commands.unmask.unmask_rejected``).  A masked
value sent back unchanged in an edited payload keeps the stored one
(``restored``), anywhere in the payload.
"""

from __future__ import annotations

from dashboard.domain.personal_data import mask_bank_account, mask_id_number, mask_name, mask_phone
from dashboard.domain.text import has_personal_number, redact_personal_numbers

PERSONAL_FIELDS = {
    ("person", "name"): mask_name, ("person", "phone"): mask_phone,
    ("person", "id_number"): mask_id_number, ("person", "bank_account"): mask_bank_account,
    ("account",): mask_bank_account,
}
FREE_TEXT_FIELDS = frozenset({("note",), ("officer",)})
HIDDEN = "*" * 8
# the fields one may ask to see in clear, by the dotted name the page and the audit log use
REVEALABLE = {".".join(path): path for path in (*PERSONAL_FIELDS, *sorted(FREE_TEXT_FIELDS))}


def value_at(payload, path: tuple[str, ...]):
    """The value at ``path`` in ``payload``, None when there is none."""
    node = payload
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _key(key) -> str:
    return redact_personal_numbers(str(key))


def _scalar(value):
    if isinstance(value, str):
        return redact_personal_numbers(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and has_personal_number(str(value)):
        return redact_personal_numbers(str(value))
    return value


def masked(value, path: tuple = ()):
    """``value`` (a payload or a part of it at ``path``) as anyone may see it."""
    if isinstance(value, dict):
        return {_key(k): masked(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, (*path, i)) for i, v in enumerate(value)]
    if value is None:
        return None
    if path in PERSONAL_FIELDS:
        return PERSONAL_FIELDS[path](str(value))
    if path in FREE_TEXT_FIELDS:
        return HIDDEN
    return _scalar(value)


def masked_payload(payload) -> dict:
    """A whole payload masked; a payload that is not an object is shown under ``record``."""
    return masked(payload if isinstance(payload, dict) else {"record": payload})


def revealable_fields(payload) -> list[str]:
    """The dotted names of the fields of ``payload`` that may be shown in clear and have a value."""
    return [name for name, path in REVEALABLE.items() if value_at(payload, path) not in (None, "")]


def restored(edited, original, shown=None):
    """``edited`` with every value left as ``shown`` (the masked ``original``) put back as stored."""
    shown = masked(original) if shown is None else shown
    if isinstance(edited, dict) and isinstance(original, dict) and isinstance(shown, dict):
        keys = {_key(k): k for k in original}
        out = {}
        for key, value in edited.items():
            stored = keys.get(key)
            if stored is None or key not in shown:
                out[key] = value
            else:
                out[stored] = restored(value, original[stored], shown[key])
        return out
    if isinstance(edited, list) and isinstance(original, list) and isinstance(shown, list):
        return [restored(v, original[i], shown[i]) if i < len(original) else v
                for i, v in enumerate(edited)]
    if edited == shown and shown != original:
        return original
    return edited
