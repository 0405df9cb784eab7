"""Text from outside: what a database column can hold, and the personal numbers it must not.

PostgreSQL's text columns refuse the NUL character, and no name, code or
note of this product has a use for control characters: a value holding
one is refused where it is typed (a note) or names nothing (a code looked
up), on either database alike.

Free text (a note, a task's title or instructions, the officer of a feed's
attempt) must not carry a phone, ID or bank account number: everyone who
sees the record reads it.  ``personal_numbers(text)`` is the one detector;
every path that stores free text refuses what it finds
(``has_personal_number``) and views of older or refused text mask it
(``redact_personal_numbers``).  What it finds is a *class*, not one format:

- digits of any script (full-width ``１３８``, Arabic-Indic, circled ``①``)
  and Chinese numerals (``一三八``, ``幺``) count as digits;
- invisible characters (zero-width spaces, combining marks) are ignored;
- groups of digits joined by up to three separator characters (spaces,
  dashes, dots, slashes, brackets, commas, ``+``) are read as one number:
  ``+86 (138) 1234-5678``, ``0086.138.1234.5678``, ``6222 0212 3456 7891 234``;
- a run of 11 or more digits is always personal; a grouped number is when
  its digits have the shape of a mainland mobile (``1[3-9]`` and 9 more,
  after an optional 86 / 0086), a landline with its area code, an ID number
  (18 digits with a birth date inside, or 17 digits and ``X``) or a bank account (16 to 19 digits written whole, in groups of
  up to 5, or as a 6-digit bank code and the rest).

Ordinary text is left alone: dates and times (``2026-12-06 14:05``),
amounts (``1,234.50``, ``12345.50``; from a hundred million yuan on, with
commas or 亿), percentages, coordinates, the product's case numbers
(``XM2026000123``) and unit codes.  A list of bare numbers joined
only by spaces may read as one number (``2023 2024 2025 2026`` has the shape
of a bank account): write it with ``、`` or words between.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls and DEL, but tab, line feed and carriage return (a note's lines)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


# ---- personal numbers in free text -------------------------------------------------------

CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九幺", "001234567891", strict=True))
SEPARATORS = frozenset(" \t\r\n\x0b\x0c-.·•・‧∙/\\_()[]{}+,*'|~")
MAX_GAP = 3            # separator characters between two groups of one number
MIN_DIGITS = 10        # the shortest personal number (a landline with its area code)
LONGEST = 23           # 0086 and a 19-digit account
IGNORED = "\uffff"     # what invisible characters fold to, then dropped
_GROUP = re.compile(r"[0-9]+[Xx]?")
# ordinary numbers that separators would otherwise join to their neighbours: dates, times,
# percentages, coordinates in China and amounts below ten billion yuan (1,234.50) always;
# decimals below a hundred million (12345.50) where no other digits stand beside them (too short
# to hide a whole personal number)
_DATE = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}([-/.])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12][0-9]|3[01])(?![0-9])")
_TIME = re.compile(r"(?<![0-9])(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?(?![0-9])")
_COORDINATES = re.compile(r"(?<![0-9])(?:7[3-9]|[89][0-9]|1[0-2][0-9]|13[0-6])\.[0-9]{3,}\s*,\s*"
                          r"(?:[3-9]|[1-4][0-9]|5[0-4])\.[0-9]{3,}(?![0-9])")
_PERCENT = re.compile(r"(?<![0-9])[0-9]{1,3}(?:\.[0-9]+)?%")
_AMOUNT = re.compile(r"(?<![0-9.])[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+(?![0-9])|(?![0-9])(?!,[0-9]))")
_DECIMAL = re.compile(r"[0-9]{1,8}\.[0-9]{1,2}")


def _fold_character(code: int) -> str:
    """One character as the detector reads it: a digit, a separator, IGNORED, or itself."""
    ch = chr(code)
    if ch in CHINESE_DIGITS:
        return CHINESE_DIGITS[ch]
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me", "Cs", "Co", "Cn") or ch == IGNORED:
        return IGNORED
    if category in ("Zs", "Zl", "Zp") or ch == "，":  # the Chinese comma separates, never groups digits
        return " "
    if category == "Pd" or ch == "\u2212":
        return "-"
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


class _Folding(dict):
    """``str.translate`` table computed on first sight of each character."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_character(code) if code > 127 else chr(code)
        return folded


_FOLDING = _Folding()


def _folded(text: str) -> tuple[str, list[int] | None]:
    """The text as read, and where each of its characters came from (None: one to one)."""
    folded = text.translate(_FOLDING)
    if IGNORED not in folded:
        return folded, None
    kept = [i for i, ch in enumerate(folded) if ch != IGNORED]
    return "".join(folded[i] for i in kept), kept


def _blank(match: re.Match) -> str:
    return "§" * len(match.group(0))


def _alone(match: re.Match) -> bool:
    """No digit within a few separators before or after the match: it is not part of a longer number."""
    text, start, end = match.string, match.start(), match.end()
    before = text[max(0, start - MAX_GAP - 1):start].rstrip("".join(SEPARATORS))
    after = text[end:end + MAX_GAP + 1].lstrip("".join(SEPARATORS))
    return not (before[-1:].isdigit() or before[-1:] == "." or after[:1].isdigit())


def _blank_amount(match: re.Match) -> str:
    whole = match.group(0).split(".")[0].replace(",", "")
    return _blank(match) if len(whole) <= 10 else match.group(0)


def _blank_alone(match: re.Match) -> str:
    return _blank(match) if _alone(match) else match.group(0)


def _plausible_date(year: str, month: str, day: str) -> bool:
    return year[:2] in ("18", "19", "20") and "01" <= month <= "12" and "01" <= day <= "31"


def _mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _shape(digits: str, lengths: list[int]) -> bool:
    """True when a number written in groups of ``lengths`` is a phone, ID or account number."""
    n = len(digits)
    if n < MIN_DIGITS:
        return False
    if len(lengths) == 1 and n >= 11:
        return True
    if _mobile(digits) or (n in (13, 15) and digits.startswith(("86", "0086")) and _mobile(digits[-11:])):
        return True  # a mobile, maybe with the country code
    if digits[0] == "0" and digits[1] != "0" and lengths[0] in (3, 4) and n - lengths[0] in (7, 8):
        return True  # a landline with its area code
    if n == 18 and _plausible_date(digits[6:10], digits[10:12], digits[12:14]):
        return True  # an ID number
    if 16 <= n <= 19:  # a bank account, whole, in regular groups, or bank code and the rest
        first = lengths[0]
        regular = first <= 5 and all(size == first for size in lengths[:-1]) and lengths[-1] <= first
        return regular or (first == 6 and len(lengths) == 2)
    return False


def _chains(text: str) -> list[list[re.Match]]:
    """Groups of digits, chained where only a few separators stand between them."""
    chains: list[list[re.Match]] = []
    previous = None
    for group in _GROUP.finditer(text):
        gap = text[previous.end():group.start()] if previous is not None else None
        joined = (gap is not None and 0 < len(gap) <= MAX_GAP and previous.group(0)[-1] not in "Xx"
                  and all(ch in SEPARATORS for ch in gap))
        if joined:
            chains[-1].append(group)
        else:
            chains.append([group])
        previous = group
    return chains


def _country_code(chain: list[re.Match], i: int) -> bool:
    return i > 0 and chain[i - 1].group(0) in ("86", "0086")


def _spans_in(chain: list[re.Match]) -> list[tuple[int, int]]:
    spans = []
    for i in range(len(chain)):
        digits, lengths = "", []
        for j in range(i, len(chain)):
            text = chain[j].group(0)
            x = text[-1] in "Xx"
            number = text[:-1] if x else text
            digits += number
            lengths.append(len(number))
            if len(digits) > LONGEST:
                break
            if _shape(digits, lengths) or (x and len(digits) == 17):  # 17 digits and X: an ID
                start = chain[i - 1 if _country_code(chain, i) else i].start()
                spans.append((start, chain[j].end()))
            if x:
                break
    return spans


def personal_numbers(text: str | None) -> list[tuple[int, int]]:
    """``(start, end)`` in ``text`` of every phone, ID or bank account number in it (see the module doc)."""
    if not text:
        return []
    folded, origin = _folded(text)
    if sum(folded.count(d) for d in "0123456789") < MIN_DIGITS:
        return []
    for pattern in (_DATE, _TIME, _PERCENT, _COORDINATES):
        folded = pattern.sub(_blank, folded)
    folded = _AMOUNT.sub(_blank_amount, folded)
    folded = _DECIMAL.sub(_blank_alone, folded)
    spans = sorted({span for chain in _chains(folded) for span in _spans_in(chain)})
    if origin is not None:
        spans = [(origin[start], origin[end - 1] + 1) for start, end in spans]
    return spans


def has_personal_number(text: str | None) -> bool:
    """True when ``text`` holds a phone, ID or bank account number, however it is written."""
    return bool(personal_numbers(text))


def redact_personal_numbers(text: str | None, replacement: str | None = None) -> str | None:
    """``text`` with each personal number's digits masked by ``*`` (or the whole number by ``replacement``)."""
    spans = personal_numbers(text)
    if not spans:
        return text
    out, position = [], 0
    for start, end in _merged(spans):
        out.append(text[position:start])
        number = text[start:end]
        out.append(replacement if replacement is not None else "".join(
            "*" if _is_digit_like(ch) else ch for ch in number))
        position = end
    out.append(text[position:])
    return "".join(out)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _is_digit_like(ch: str) -> bool:
    folded = ch.translate(_FOLDING)
    return folded.isdigit() or folded in "Xx"
