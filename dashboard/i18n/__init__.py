"""The translation layer: every user-visible string goes through ``t()``.

Catalogues are ``dashboard/i18n/<lang>.json`` plus one file per feature
area, ``dashboard/i18n/<area>/<lang>.json`` (message id -> text with
``{name}`` placeholders); a message id defined twice is an error.  zh-CN is the first language and en is complete;
a test fails when a message id is missing in either.  Names of reference
items and units come from their tables' ``name_zh`` / ``name_en`` columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
_DIR = Path(__file__).resolve().parent


class MissingMessage(KeyError):
    """A message id that is not in the catalogue."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in [_DIR / f"{lang}.json", *sorted(_DIR.glob(f"*/{lang}.json"))]:
        with path.open(encoding="utf-8") as fh:
            part = json.load(fh)
        twice = sorted(set(part) & set(messages))
        if twice:
            raise ValueError(f"{path}: message ids defined twice: {', '.join(twice[:5])}")
        messages.update(part)
    return messages


def normalize(lang: str | None) -> str:
    """Map any language tag to one we have: zh* -> zh-CN, en* -> en."""
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.strip().lower()
    if lang.startswith("zh"):
        return "zh-CN"
    if lang.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def translate(key: str, lang: str, **params) -> str:
    try:
        text = catalogue(normalize(lang))[key]
    except KeyError:
        raise MissingMessage(key) from None
    return text.format(**params) if params else text


_language_source: Callable[[], str] = lambda: normalize(None)  # noqa: E731 - replaced by the web


def use_language_source(source: Callable[[], str]) -> None:
    """Where ``current_language`` comes from: the web installs the request's (``web.language``)."""
    global _language_source
    _language_source = source


def current_language() -> str:
    """The language of the current request (the user's choice, else the default); outside a
    request, the default."""
    return _language_source()


def t(key: str, lang: str | None = None, **params) -> str:
    """Translate ``key`` into ``lang`` (default: the current request's language)."""
    return translate(key, lang or current_language(), **params)


def name_of(row, lang: str | None = None) -> str:
    """``name_zh`` or ``name_en`` of a unit or reference row (object or mapping)."""
    lang = normalize(lang or current_language())
    field = "name_zh" if lang == "zh-CN" else "name_en"
    return row[field] if isinstance(row, dict) else getattr(row, field)
