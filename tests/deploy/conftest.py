"""Redis for the deployment tests: the machine's server, keys under a prefix of this test.

``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).  When
``TEST_DATABASE_URL`` is set (CI, where Redis runs beside PostgreSQL) an
unreachable Redis fails the tests that need it; otherwise they skip, saying why.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import PG_URL, RUN_ID

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, decode_responses=True)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        message = f"Redis at {REDIS_URL} cannot be reached: {exc}"
        if PG_URL:
            pytest.fail(f"TEST_DATABASE_URL is set (CI) but {message}")
        pytest.skip(f"needs Redis (TEST_REDIS_URL): {message}")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client):
    """A key prefix of its own; every key under it is deleted afterwards."""
    prefix = f"antifraud-test-{RUN_ID}-{uuid.uuid4().hex[:6]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*"))
    if keys:
        redis_client.delete(*keys)
