"""The one detector of personal numbers in free text finds the class, however the number is written,
and leaves ordinary text alone (``dashboard.domain.text``)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.domain.text import has_personal_number, personal_numbers, redact_personal_numbers

SEPARATORS = [" ", "-", ".", "  ", " - ", "/", "_", "·", "—", "–", "\u3000", "\u00a0", "．", "－", "(", ") "]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0332"]
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
CHINESE = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))
WORDS = ["联系人称", "已电话联系", "电话", "请回电", "the person said", "call back", "地址：思明区",
         "，", "。", "：", "（", "）", "tel", "No.", "账户"]


def _digits(draw, n: int, first: str = "0123456789") -> str:
    head = draw(st.sampled_from(first))
    return head + "".join(draw(st.sampled_from("0123456789")) for _ in range(n - 1))


def _composition(draw, n: int) -> list[int]:
    """``n`` cut into groups, as a writer might: any cut points."""
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=n - 1)))
    bounds = [0, *cuts, n]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


@st.composite
def mobile(draw):
    number = "1" + draw(st.sampled_from("3456789")) + _digits(draw, 9)
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "0086", "0086-", "86 ", "(+86) ", "+86-"]))
    return prefix, number, _composition(draw, 11)


@st.composite
def landline(draw):
    area = "0" + _digits(draw, draw(st.sampled_from([2, 3])), "123456789")
    local = _digits(draw, draw(st.sampled_from([7, 8])), "23456789")
    return "", area + local, [len(area), *_composition(draw, len(local))]


@st.composite
def id_number(draw):
    region = _digits(draw, 6, "123456789")
    born = draw(st.dates(min_value=__import__("datetime").date(1930, 1, 1),
                         max_value=__import__("datetime").date(2012, 12, 31))).strftime("%Y%m%d")
    tail = _digits(draw, 3) + draw(st.sampled_from("0123456789Xx"))
    number = region + born + tail
    groups = _composition(draw, 17)
    groups[-1] += 1  # the check character stays with the digits before it
    return "", number, groups


@st.composite
def bank_account(draw):
    n = draw(st.integers(16, 19))
    number = _digits(draw, n, "123456789")
    style = draw(st.sampled_from(["whole", "fours", "fives", "threes", "bank_code", "singles"]))
    size = {"whole": n, "fours": 4, "fives": 5, "threes": 3, "singles": 1}.get(style)
    groups = [6, n - 6] if style == "bank_code" else [size] * (n // size) + ([n % size] if n % size else [])
    return "", number, groups


@st.composite
def written(draw, kind):
    """A personal number written out: grouped, separated, in some script, in a sentence."""
    prefix, number, groups = draw(kind)
    script = draw(st.sampled_from(["ascii", "ascii", "full", "chinese", "mixed"]))
    chars = []
    for ch in number:
        use = script if script != "mixed" else draw(st.sampled_from(["ascii", "full", "chinese"]))
        if ch in "Xx":
            chars.append(ch if use == "ascii" else "Ｘ")
        elif use == "ascii":
            chars.append(ch)
        else:
            chars.append((FULL_WIDTH if use == "full" else CHINESE)[ch])
    text, position = prefix, 0
    for i, size in enumerate(groups):
        if i:
            text += draw(st.sampled_from(SEPARATORS))
        for ch in chars[position:position + size]:
            text += ch
            if draw(st.integers(0, 9)) == 0:
                text += draw(st.sampled_from(INVISIBLE))
        position += size
    before = "".join(draw(st.lists(st.sampled_from(WORDS), max_size=3)))
    after = "".join(draw(st.lists(st.sampled_from(WORDS), max_size=3)))
    return before + text + after, number


KINDS = {"mobile": mobile(), "landline": landline(), "id_number": id_number(),
         "bank_account": bank_account()}


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_personal_number_is_found_however_it_is_written(kind, data):
    text, number = data.draw(written(KINDS[kind]))
    assert has_personal_number(text), text
    masked = redact_personal_numbers(text)
    kept = "".join(ch for ch in masked if ch.isdigit() or ch in "〇一二三四五六七八九")
    assert len(kept) < 4, (text, masked)  # at most a country code is left


# ---- ordinary text ----------------------------------------------------------------------

BARE = ("unit", "count", "decimal", "warning")
FILLERS = [word for word in WORDS if any(ch.isalpha() for ch in word)]  # plain numbers: two of them side by side read as one


@st.composite
def ordinary_token(draw):
    rng = random.Random(draw(st.integers(0, 2**32)))
    kind = draw(st.sampled_from(["date", "datetime", "amount", "decimal", "case", "unit", "percent",
                                 "time", "coordinates", "count", "warning"]))
    year, month, day = rng.randint(2015, 2030), rng.randint(1, 12), rng.randint(1, 28)
    sep = rng.choice("-/.")
    text = {
        "date": f"{year}{sep}{month:02d}{sep}{day:02d}",
        "datetime": f"{year}-{month:02d}-{day:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "amount": f"{rng.uniform(0, 9_999_999_999):,.2f}",
        "decimal": f"{rng.uniform(0, 99_999_999):.2f}",
        "case": f"XM{year}{rng.randint(1, 999_999):06d}",
        "unit": rng.choice(["350200", "350203", "35020301", "35021105", "440104", "44010401"]),
        "percent": f"{rng.uniform(0, 100):.1f}%",
        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "coordinates": f"{rng.uniform(73, 136):.6f},{rng.uniform(3, 54):.6f}",
        "count": str(rng.randint(0, 99_999)),
        "warning": f"#{rng.randint(1, 99_999_999)}",
    }[kind]
    return kind, text


@st.composite
def ordinary_text(draw):
    """A note of dates, amounts, case numbers and codes, side by side or with words between;
    two plain numbers (a code, a count) always have a word between them (see the module doc)."""
    parts, previous = [], None
    for kind, token in draw(st.lists(ordinary_token(), min_size=1, max_size=6)):
        if previous is not None:
            apart = previous in BARE and kind in BARE
            parts.append(draw(st.sampled_from(FILLERS)) if apart or draw(st.booleans()) else
                         draw(st.sampled_from([" ", "，", ", ", "、", " / "])))
        parts.append(token)
        previous = kind
    return "".join(parts)


@settings(max_examples=1000, deadline=None)
@given(text=ordinary_text())
def test_ordinary_text_is_left_alone(text):
    assert personal_numbers(text) == [], text


def test_plain_numbers_side_by_side_may_read_as_one():
    """The documented limit: four years with only spaces between them have an account's shape."""
    assert has_personal_number("2023 2024 2025 2026")
    assert not has_personal_number("2023、2024、2025、2026")


@pytest.mark.parametrize("text", [
    "2026-12-06 14:05 已电话联系", "转账 1,234.50 元", "损失 12345.50 元", "案件 XM2026000123",
    "2026-12-01 - 2026-12-06", "118.089400,24.479800", "35020301 35020302", "350203 350206 350211",
    "客服 96110", "1.5亿", "一万二千三百", "13:05 到 14:30", "138****5678", "6222 **** **** 1234",
    "3502**********1234", "第三次回访：二〇二六年十二月六日",
])
def test_examples_of_ordinary_text(text):
    assert not has_personal_number(text)


@pytest.mark.parametrize("text", [
    "电话138 1234 5678", "138-1234-5678", "138.1234.5678", "１３８１２３４５６７８",
    "+86 138 1234 5678", "0086-13812345678", "35020319900101123X", "350203 19900101 123x",
    "6222 0212 3456 7891 234", "一三八一二三四五六七八", "幺三八幺二三四五六七八", "138\u200b1234\u200b5678",
    "0592-1234567", "13,812,345,678", "1,381,234,5678", "卡号12345678901", "350203199001011234X，",
])
def test_examples_of_personal_numbers(text):
    assert has_personal_number(text)


def test_redaction_masks_the_digits_and_keeps_the_rest():
    assert redact_personal_numbers("请回电 138-1234-5678，谢谢") == "请回电 ***-****-****，谢谢"
    assert redact_personal_numbers("x 138 1234 5678 y", replacement="[digits]") == "x [digits] y"
    assert redact_personal_numbers("2026-12-06") == "2026-12-06"
    assert redact_personal_numbers(None) is None
