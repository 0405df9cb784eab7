"""Made-up people at risk: names, mobile numbers, ID numbers, bank accounts.

Every value is random and shaped like the real thing (an ID number has a
Xiamen region prefix, a real birth date and a valid check digit) so that
masking and validation are exercised; none belongs to anyone.
"""

from __future__ import annotations

import numpy as np

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国志文斌辉鹏宇晨欣怡婷雪琳浩然子涵梓轩思雨佳慧")
MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 157,
                            158, 159, 166, 173, 177, 180, 181, 182, 185, 186, 187, 188, 189, 191, 199])
XIAMEN_REGIONS = np.array([350203, 350205, 350206, 350211, 350212, 350213])
CARD_BINS = np.array([622202, 621700, 622848, 621661, 622588, 622262, 622908, 623668])
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))


def names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n).tolist()
    g1 = rng.integers(0, len(GIVEN), n).tolist()
    g2 = rng.integers(0, len(GIVEN), n).tolist()
    two = (rng.random(n) < 0.7).tolist()
    return [
        SURNAMES[a] + GIVEN[b] + (GIVEN[c] if t else "")
        for a, b, c, t in zip(s, g1, g2, two, strict=True)
    ]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)].astype(np.int64)
    number = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return list(map(str, number.tolist()))


def id_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """18-digit resident ID numbers with a valid GB 11643 check digit."""
    region = XIAMEN_REGIONS[rng.integers(0, len(XIAMEN_REGIONS), n)]
    birth = np.datetime64("1945-01-01") + rng.integers(0, 60 * 365, n).astype("timedelta64[D]")
    days = birth.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    ymd = (
        (years.astype(np.int64) + 1970) * 10000
        + (months - years).astype(np.int64) * 100 + 100
        + (days - months).astype(np.int64) + 1
    )
    seq = rng.integers(0, 1000, n)
    body = (region.astype(np.int64) * 100_000_000 + ymd) * 1000 + seq  # 17 digits
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1))) % 10
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    return [f"{b}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)]


def bank_accounts(rng: np.random.Generator, n: int) -> list[str]:
    """19-digit debit card numbers (not Luhn-valid on purpose: they must never work)."""
    bins = CARD_BINS[rng.integers(0, len(CARD_BINS), n)].astype(np.int64)
    tail = rng.integers(0, 10_000_000_000_000, n)
    return [f"{b}{t:013d}" for b, t in zip(bins.tolist(), tail.tolist(), strict=True)]
