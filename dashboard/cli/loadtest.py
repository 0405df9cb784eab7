"""``antifraud loadtest``: simulated users on the command overview, served by gunicorn on loopback.

By default it serves the database of ``DATABASE_URL`` (which must hold the
demo city: ``antifraud seed-demo``, or a database kept by ``antifraud bench
--path``); ``--scale`` builds a new one with the bench's builder instead.
It starts the production entry point (``docker/entrypoint.sh``: migrate,
then gunicorn with docker/gunicorn.conf.py and ``--workers`` workers) on a
free loopback port, with the machine's Redis when ``REDIS_URL`` is set
(keys under a prefix of this run, deleted afterwards), or measures a server
already running on this machine (``--url``).  The users are
``dashboard.bench.load``; the table and JSON ``dashboard.bench.load_report``.
A missed target is a result (exit 0); a server that does not start or a
login that fails is an error (exit 2).  See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from dashboard.cli.common import UsageError, stop_cleanly_on_sigterm
from dashboard.i18n import t

MAX_USERS = 1000
MAX_SECONDS = 4 * 3600
LOG_LINES = 15


def _check(args, lang: str) -> float:
    """The run's length in seconds, once every option is sane."""
    from dashboard.demo.simulator import is_loopback

    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    checks = [(not 1 <= args.users <= MAX_USERS, "users", {"most": MAX_USERS}),
              (args.seconds is None and args.minutes <= 0, "minutes", {}),
              (args.seconds is not None and args.seconds <= 0, "seconds", {}),
              (seconds > MAX_SECONDS, "too_long", {"hours": MAX_SECONDS // 3600}),
              (args.workers < 1, "workers", {}),
              (args.poll_seconds <= 0, "poll", {}),
              (args.days is not None and args.days < 1, "days", {}),
              (args.url is not None and args.scale is not None, "url_and_scale", {}),
              (args.scale is None and (args.days is not None or args.path is not None
                                       or args.db != "sqlite" or args.daily_warnings is not None),
               "needs_scale", {})]
    for failed, key, params in checks:
        if failed:
            raise UsageError(t(f"loadtest.error.{key}", lang, **params))
    if args.url is not None:
        parts = urlsplit(args.url)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            raise UsageError(t("loadtest.error.not_loopback", lang, url=args.url))
    return seconds


def _database(args, settings, lang: str, stack: ExitStack, say) -> str:
    """The URL of the database to serve: DATABASE_URL, or a new one built at ``--scale``."""
    from sqlalchemy.engine import make_url

    if args.scale is None:
        url = settings["DATABASE_URL"]
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            raise UsageError(t("loadtest.error.empty.schema", lang, db=url))
        return url
    from dashboard.bench.database import SCALES, generate, open_bench_database

    daily = args.daily_warnings or SCALES[args.scale]
    days = args.days or 365
    try:
        bench = open_bench_database(args.db if args.db == "sqlite" else "postgresql", args.path,
                                    settings.get("DATABASE_URL"))
    except FileExistsError as exc:
        raise UsageError(t("bench.error.path_exists", lang, flag="--path", path=str(exc))) from None
    except ValueError:
        raise UsageError(t("bench.error.postgres_url", lang)) from None
    stack.callback(bench.close)  # a kept file stays
    say(t("bench.progress.generate", lang, days=days, daily=f"{daily:,.0f}", where=bench.location))
    generate(bench, days, daily, progress=None)
    return bench.url


def _plan(url: str, lang: str):
    from dashboard.bench.load import LoadPlan, NotSeeded
    from dashboard.db import check_reachable, make_engine, safe_url

    engine = make_engine(url)
    try:
        check_reachable(engine)
        return LoadPlan.read(engine)
    except NotSeeded as exc:
        raise UsageError(t(f"loadtest.error.empty.{exc.what}", lang, db=safe_url(url))) from None
    finally:
        engine.dispose()


def _serve(args, settings, url: str, lang: str, stack: ExitStack, say) -> str:
    """Start gunicorn on the database; its base URL (stopped when ``stack`` closes)."""
    from dashboard.bench.server import ENTRYPOINT, GunicornServer, ServerFailed, log_digest

    workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="antifraud-loadtest-"))
    env = {**os.environ, "DATABASE_URL": url, "WEB_CONCURRENCY": str(args.workers),
           "SECURE_COOKIES": "false",  # plain HTTP on loopback; the bureau's HTTPS proxy is not here
           "ESCALATION_IN_PROCESS": os.environ.get("ESCALATION_IN_PROCESS", "false")}
    if settings.get("REDIS_URL"):
        prefix = f"{settings['REDIS_KEY_PREFIX']}loadtest-{secrets.token_hex(4)}:"
        env["REDIS_KEY_PREFIX"] = prefix
        stack.callback(_forget_keys, settings["REDIS_URL"], prefix)
    server = GunicornServer(env, Path(workdir))
    stack.callback(server.stop)
    say(t("loadtest.progress.start", lang, workers=args.workers, url=server.base))
    try:
        server.start()
    except ServerFailed as exc:
        why = "no_health" if exc.reason == "no_health" else "exited" if exc.value is not None else "missing"
        detail = t(f"loadtest.error.server_{why}", lang, code=exc.value, seconds=exc.value,
                   path=ENTRYPOINT)
        raise UsageError(t("loadtest.error.server", lang, detail=detail,
                           log=log_digest(exc.log, LOG_LINES))) from None
    return server.base


def _forget_keys(redis_url: str, prefix: str) -> None:
    """Delete the Redis keys the served app wrote under this run's prefix."""
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
    except (redis.RedisError, OSError):
        pass  # the app ran without Redis then; nothing of this run is left to delete


def run_loadtest(args, settings, say) -> dict:
    from dashboard.bench.dash_protocol import CallFailed, ServerSession
    from dashboard.bench.load import USERNAMES, LoginRefused, login, run_load
    from dashboard.bench.load_report import summarise
    from dashboard.bench.machine import reference
    from dashboard.db import safe_url
    from dashboard.demo.simulator import wait_until_up
    from dashboard.demo.users import DEMO_PASSWORD

    lang = settings["DEFAULT_LANGUAGE"]
    seconds = _check(args, lang)
    with ExitStack() as stack:
        if args.url is not None and not wait_until_up(args.url.rstrip("/"), timeout=5):
            raise UsageError(t("loadtest.error.unreachable", lang, url=args.url))
        url = _database(args, settings, lang, stack, say)
        plan = _plan(url, lang)
        machine = reference()  # before the server starts, on a quiet process
        if args.url is not None:
            base = args.url.rstrip("/")
        else:
            base = _serve(args, settings, url, lang, stack, say)
        for username in USERNAMES:  # one login of each role first: a clear error, not a run of errors
            with ServerSession(base) as session:
                try:
                    login(session, username, DEMO_PASSWORD)
                except LoginRefused as exc:
                    raise UsageError(t("loadtest.error.login", lang, username=username,
                                       detail=t(f"loadtest.login.{exc.reason}", lang))) from None
                except (CallFailed, OSError) as exc:
                    raise UsageError(t("loadtest.error.login", lang, username=username,
                                       detail=str(exc))) from None
        say(t("loadtest.progress.run", lang, users=args.users, seconds=f"{seconds:g}"))
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        run = run_load(base, DEMO_PASSWORD, plan, args.users, seconds, args.poll_seconds, args.seed)
    setup = {"users": args.users, "seconds": seconds, "poll_seconds": args.poll_seconds,
             "workers": None if args.url else args.workers, "url": base, "started": started,
             "scale": args.scale, "seed": args.seed, "python": sys.version.split()[0],
             "redis": bool(settings.get("REDIS_URL")) and args.url is None, "machine": machine}
    database = {"url": safe_url(url), "warnings": plan.warnings,
                "first": plan.history[0], "last": plan.history[1]}
    return summarise(run, setup, database)


def cmd_loadtest(args, settings) -> int:
    from dashboard.bench.load_report import table
    from dashboard.bench.report import emit

    lang = settings["DEFAULT_LANGUAGE"]
    with stop_cleanly_on_sigterm():  # a killed run still stops its gunicorn and drops what it built
        result = run_loadtest(args, settings, lambda line: print(line, file=sys.stderr, flush=True))
    return emit(table(result, lang), result, args.json)


def register(sub) -> None:
    p = sub.add_parser("loadtest", help="simulated users on the overview against gunicorn; p50/p95/errors")
    p.add_argument("--users", type=int, default=50, help="simulated logged-in users (default 50)")
    p.add_argument("--minutes", type=float, default=2.0, help="length of the run (default 2)")
    p.add_argument("--seconds", type=float, help="length of the run in seconds (instead of --minutes)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers to start (default 4)")
    p.add_argument("--poll-seconds", type=float, default=10.0,
                   help="how often each user's overview polls (default 10, as LIVE_REFRESH_SECONDS)")
    p.add_argument("--url", help="measure a server already running on this machine (loopback only)")
    p.add_argument("--json", metavar="FILE", help="also write every request and figure to FILE as JSON")
    p.add_argument("--scale", choices=("xiamen", "guangzhou"),
                   help="build a new demo city at this scale (as antifraud bench) instead of DATABASE_URL")
    p.add_argument("--days", type=int, help="with --scale: days of history (default 365)")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                   help="with --scale: a new SQLite file, or a new schema in DATABASE_URL's PostgreSQL")
    p.add_argument("--path", help="with --scale: the SQLite file to create and keep")
    p.add_argument("--seed", type=int, default=1, help="random seed of the users' clicks (default 1)")
    # for tests: a tiny city instead of the named scale's daily volume
    p.add_argument("--daily-warnings", type=float, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_loadtest)
