"""Text from outside: what a database column can hold.

PostgreSQL's text columns refuse the NUL character, and no name, code or
note of this product has a use for control characters: a value holding
one is refused where it is typed (a note) or names nothing (a code looked
up), on either database alike.
"""

from __future__ import annotations

import re

# C0 controls and DEL, but tab, line feed and carriage return (a note's lines)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
