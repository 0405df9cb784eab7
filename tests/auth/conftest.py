"""Fixtures of the auth building blocks, over the shared ``engine`` and ``session``.

The databases (SQLite, and PostgreSQL when ``TEST_DATABASE_URL`` is set) come
from ``tests/conftest.py``.  Here: cheap argon2 parameters, a known
personal-data key, a small command chain and a user factory.
"""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from argon2 import PasswordHasher

from dashboard.auth import passwords
from dashboard.domain import OrgUnit, User
from dashboard.domain import personal_data as crypto
from dashboard.domain.base import SHANGHAI
from dashboard.domain.reference import OrgLevel

TEST_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(scope="module", autouse=True)
def fast_hashing():
    old = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    passwords.use_hasher(old)


@pytest.fixture(scope="module", autouse=True)
def personal_data_key():
    """A known key for these modules; whatever was installed before comes back after."""
    old = crypto.use_cipher(crypto.PersonalDataCipher(base64.b64decode(TEST_KEY)))
    yield crypto.cipher()
    crypto.use_cipher(old)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def org(session):
    """A small chain: city 350200; counties 350203 and 35020 (a code that is a prefix of
    the other's); two stations under each.  Returns units by code."""
    for code, sort in (("city", 10), ("county", 20), ("station", 30)):
        if session.get(OrgLevel, code) is None:
            session.add(OrgLevel(code=code, name_zh=code, name_en=code, sort_order=sort))
    units: dict[str, OrgUnit] = {}

    def add(code: str, level: str, parent: OrgUnit | None) -> OrgUnit:
        path = f"{parent.path}/{code}" if parent else code
        unit = OrgUnit(code=code, name_zh=code, name_en=code, level=level, parent=parent, path=path)
        session.add(unit)
        units[code] = unit
        return unit

    city = add("350200", "city", None)
    for county_code in ("350203", "35020"):
        county = add(county_code, "county", city)
        for n in (1, 2):
            add(f"{county_code}{n:02d}", "station", county)
    session.flush()
    return units


@pytest.fixture
def make_user(session):
    """Factory: ``make_user("officer", unit, username=..., password=...)``."""
    counter = iter(range(1, 10_000))

    def make(role: str, unit: OrgUnit | None = None, *, username: str | None = None,
             password: str = "correct horse battery staple", **fields) -> User:
        values = {"is_active": True, "failed_logins": 0, **fields}
        user = User(username=username or f"{role}{next(counter)}", display_name=role,
                    password_hash=passwords.hash_password(password), role=role,
                    unit_id=unit.id if unit else None, **values)
        session.add(user)
        session.flush()
        return user

    return make
