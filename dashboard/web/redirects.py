"""Where a redirect may send the browser: a path of this site, and nothing else.

Every redirect target that comes from a request (``next=`` on the login
pages and on the language switch) goes through ``safe_target``.  A target
is accepted only when every browser would read it as a path of the same
origin: it starts with one ``/``, holds no backslash (browsers read ``/\\``
as ``//``), no whitespace and no control or format character (browsers drop
tabs and line breaks, so ``/\\t/evil`` is ``//evil``), names no scheme or
host, and is at most ``MAX_TARGET`` characters.  Anything else is refused:
the caller falls back to a page of its own.  A line break in any query
parameter is refused earlier with 400 (``dashboard.web.hygiene``).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

MAX_TARGET = 2048


def unsafe_character(ch: str) -> bool:
    """Whitespace, control, format, surrogate, private or unassigned characters."""
    return ch.isspace() or unicodedata.category(ch)[0] in "CZ"


def safe_target(target) -> str | None:
    """``target`` if it is a path of this site (see the module doc), else None."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > MAX_TARGET:
        return None
    if target.startswith("//") or "\\" in target or any(unsafe_character(c) for c in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target
