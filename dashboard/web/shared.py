"""State that every web process must see alike: rate counters and short-lived cached figures.

With ``REDIS_URL`` set, ``store()`` is a ``RedisStore``: the gunicorn workers
of one machine and the instances behind a load balancer count and cache in
one place.  Without it, a ``ProcessStore`` keeps them in this process's
memory, which is right for one process only (the demo, ``antifraud serve``);
in production the app logs a warning at start.  Sessions, lockouts and the
login limit do not live here: they are rows of the database, which every
process shares already.

- ``take(key, limit, window)``: a sliding-window counter.  Allowed while
  fewer than ``limit`` takes happened in the last ``window`` seconds; a
  refused take is not counted.  Redis runs it as one script, timed by the
  Redis server's clock, so workers and machines with skewed clocks agree.
- ``get(key)`` / ``put(key, value, seconds)``: a text value that expires.

Redis being down must not stop warnings from coming in, nor slow every
page: a failing Redis call (no answer within ``REDIS_TIMEOUT_SECONDS``) is
logged (at most once a minute) and opens a circuit breaker: for
``REDIS_RETRY_SECONDS`` the store does not ask Redis at all, allows every
take and caches nothing; then one call tries again, and closes the breaker
if it succeeds.  ``/healthz`` pings Redis itself and says ``degraded``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Allowance:
    """The answer to one ``take``: allowed or not, takes counted in the window, wait if refused."""

    ok: bool
    count: int
    retry_after: int = 0


class ProcessStore:
    """Counters and cache in this process's memory (one process only)."""

    shared = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._takes: dict[str, deque[float]] = {}
        self._values: dict[str, tuple[float, str]] = {}

    def take(self, key: str, limit: int, window: float) -> Allowance:
        now = time.monotonic()
        with self._lock:
            takes = self._takes.setdefault(key, deque())
            while takes and takes[0] <= now - window:
                takes.popleft()
            if len(takes) < limit:
                takes.append(now)
                return Allowance(True, len(takes))
            return Allowance(False, len(takes), max(1, int(takes[0] + window - now + 0.999)))

    def get(self, key: str) -> str | None:
        with self._lock:
            expires, value = self._values.get(key, (0.0, None))
            return value if expires > time.monotonic() else None

    def put(self, key: str, value: str, seconds: float) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + seconds, value)

    def ping(self) -> bool:
        return True


# KEYS[1] the counter; ARGV: window (s), limit, a unique member.  Returns {ok, count, retry_after}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return {1, count + 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, math.max(1, math.ceil(tonumber(oldest[2]) + window - now))}
"""


class Breaker:
    """After a failure, ``closed()`` is False for ``retry_seconds``; then one caller may try again.

    Per process: each worker learns of a failure from its own first failed call.
    """

    def __init__(self, retry_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def closed(self) -> bool:
        """True when a call may go to Redis (the breaker is closed, or its wait is over)."""
        with self._lock:
            if self._open_until == 0.0:
                return True
            if self.clock() < self._open_until:
                return False
            self._open_until = self.clock() + self.retry_seconds  # one caller tries; the rest wait
            return True

    def failed(self) -> None:
        with self._lock:
            self._open_until = self.clock() + self.retry_seconds

    def succeeded(self) -> None:
        with self._lock:
            self._open_until = 0.0


class RedisStore:
    """Counters and cache in Redis, shared by every process that uses the same URL and prefix."""

    shared = True

    def __init__(self, url: str, prefix: str = "antifraud:", timeout: float = 0.5,
                 retry_seconds: float = 30, clock: Callable[[], float] = time.monotonic) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                           health_check_interval=30, decode_responses=True)
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE)
        self.breaker = Breaker(retry_seconds, clock)
        self._last_complaint = -60.0

    def _call(self, what: str, call: Callable[[], T], fallback: T) -> T:
        if not self.breaker.closed():
            return fallback
        try:
            value = call()
        except self._errors as exc:
            self.breaker.failed()
            if time.monotonic() - self._last_complaint > 60:
                self._last_complaint = time.monotonic()
                log.warning("Redis %s failed (%s); counting and caching nothing, asking again in "
                            "%g s", what, type(exc).__name__, self.breaker.retry_seconds)
            return fallback
        self.breaker.succeeded()
        return value

    def take(self, key: str, limit: int, window: float) -> Allowance:
        member = f"{time.time_ns()}-{secrets.token_hex(4)}"

        def count() -> Allowance:
            ok, taken, wait = self._take(keys=[self.prefix + key], args=[window, limit, member])
            return Allowance(bool(ok), int(taken), int(wait))
        return self._call("rate count", count, Allowance(True, 0))

    def get(self, key: str) -> str | None:
        return self._call("cache read", lambda: self.client.get(self.prefix + key), None)

    def put(self, key: str, value: str, seconds: float) -> None:
        self._call("cache write", lambda: self.client.set(self.prefix + key, value,
                                                          px=max(1, int(seconds * 1000))), None)

    def ping(self) -> bool:
        """Ask Redis even while the breaker is open (``/healthz``); an answer closes it."""
        try:
            answered = bool(self.client.ping())
        except self._errors:
            self.breaker.failed()
            return False
        self.breaker.succeeded()
        return answered


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        app.extensions["shared_store"] = RedisStore(
            url, app.config.get("REDIS_KEY_PREFIX") or "", timeout=app.config["REDIS_TIMEOUT_SECONDS"],
            retry_seconds=app.config["REDIS_RETRY_SECONDS"])
        return
    app.extensions["shared_store"] = ProcessStore()
    if app.config.get("ANTIFRAUD_ENV") == "production":
        app.logger.warning("REDIS_URL is not set: each worker process counts ingest rates on its "
                           "own and the live figures are not cached; set it when several serve")


def store() -> ProcessStore | RedisStore:
    return current_app.extensions["shared_store"]


def shared_for(key: str, seconds: int, make: Callable[[], T], encode: Callable[[T], str],
               decode: Callable[[str], T]) -> T:
    """``make()``, or what a worker made under ``key`` in the last ``seconds``: through Redis only.

    Without Redis, or with ``seconds`` 0, ``make()`` runs every time: a copy
    in each process would let two workers show the same view differently.
    """
    where = store()
    if not where.shared or seconds <= 0:
        return make()
    cached = where.get(key)
    if cached is not None:
        return decode(cached)
    value = make()
    where.put(key, encode(value), seconds)
    return value
