"""``antifraud bench --db postgres --replica``: dashboard reads from a standby while the primary takes ingest.

It builds a PostgreSQL pair of its own (``dashboard.bench.pg_pair``: ``initdb``
in a temporary folder, or ``--keep-cluster DIR``; a primary and an
asynchronous streaming standby on free loopback ports, never the machine's
server), generates ``--days`` of ``--scale`` into the primary, runs
``VACUUM ANALYZE`` (a database that has been in service is vacuumed) and waits
until the standby has replayed everything.  Then, while a child process posts
warnings at ``--ingest-rate`` to the ingest API of gunicorn serving the
primary (``--workers``), it times the bench's interactions with the app
configured as in production: ``DATABASE_URL`` the primary,
``READ_DATABASE_URL`` the standby; another child samples the replication lag
once a second.  ``dashboard.bench.replica`` holds the load and the figures;
the table is ``dashboard.bench.report.replica_table``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from dashboard.cli.common import UsageError
from dashboard.i18n import t

DEFAULT_INGEST_RATE = 5000.0  # warnings a second: the ingest target
SCHEMA = "bench"              # the pair's database is the bench's own: a fixed schema, kept with the pair


def check_replica(args, lang: str) -> Path:
    """The PostgreSQL binaries' folder once ``--replica``'s options are sane; a UsageError naming the flag."""
    from dashboard.bench.pg_pair import find_binaries

    if args.db != "postgres":
        raise UsageError(t("bench.error.replica_needs_postgres", lang))
    for flag, given in (("--browser", args.browser), ("--import-rows", args.import_rows is not None),
                        ("--schema", args.schema), ("--reuse", args.reuse)):
        if given:
            raise UsageError(t("bench.error.replica_with", lang, flag=flag))
    if args.ingest_rate is not None and not args.ingest_rate > 0:  # also refuses nan
        raise UsageError(t("bench.error.ingest_rate", lang))
    if not args.warmup_seconds >= 0:
        raise UsageError(t("bench.error.warmup", lang))
    if args.keep_cluster:
        folder = Path(args.keep_cluster)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise UsageError(t("bench.error.keep_cluster_exists", lang, path=str(folder)))
    binaries = find_binaries()
    if binaries is None:
        raise UsageError(t("bench.error.pg_binaries", lang))
    return binaries


def _pair(args, binaries: Path, stack: ExitStack, lang: str, say):
    """The started pair in its folder; on leaving ``stack`` it is stopped and its folder removed
    (``--keep-cluster``: stopped cleanly and kept)."""
    from dashboard.bench.pg_pair import PgPair

    kept = args.keep_cluster
    if kept:
        folder = Path(kept).resolve()
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="antifraud-bench-replica-"))
    pair = PgPair(folder, binaries, synchronous=False, fsync=True)
    if kept:
        stack.callback(say, t("bench.progress.kept", lang, folder=str(folder)))
        stack.callback(pair.stop, "fast")
    else:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        stack.callback(pair.stop)
    say(t("bench.progress.pair", lang, folder=str(folder)))
    try:
        pair.start()
    except (RuntimeError, OSError) as exc:
        raise UsageError(t("bench.error.pair", lang, detail=str(exc).strip().splitlines()[-1][:300])) from None
    return pair


def _prepare(pair, bench, lang: str, say) -> dict:
    """VACUUM ANALYZE on the primary, then wait until the standby has replayed it all; seconds of each."""
    say(t("bench.progress.vacuum", lang))
    started = time.perf_counter()
    with pair.connect(pair.primary_port) as conn:
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
    vacuum = time.perf_counter() - started
    say(t("bench.progress.catch_up", lang))
    started, target = time.perf_counter(), pair.current_lsn()
    pair.wait_for(lambda: pair.replay_caught_up(target), "the standby to replay the generated history",
                  limit=4 * 3600, pause=1.0)
    return {"vacuum_seconds": round(vacuum, 1), "catch_up_seconds": round(time.perf_counter() - started, 1)}


def run_replica_bench(args, settings, binaries: Path, say) -> dict:
    """Everything ``--replica`` measures, as the JSON document."""
    from sqlalchemy.orm import Session

    from dashboard import create_app
    from dashboard.bench import replica
    from dashboard.bench.dash_protocol import login
    from dashboard.bench.database import open_bench_database, schema_url
    from dashboard.bench.ingest import SOURCE, remove_ingested
    from dashboard.bench.interactions import measure
    from dashboard.bench.machine import reference
    from dashboard.bench.replica import IngestLoad, LagSampler, ReadsWatch
    from dashboard.cli.bench import DEMO_ROLES, history
    from dashboard.cli.bench_browser import _serve
    from dashboard.demo.users import DEMO_PASSWORD
    from dashboard.ingest.tokens import create_token
    from dashboard.web.heap import settle

    lang = settings["DEFAULT_LANGUAGE"]
    rate = args.ingest_rate or DEFAULT_INGEST_RATE
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    machine = reference()  # before anything runs, on a quiet machine
    with ExitStack() as stack:
        pair = _pair(args, binaries, stack, lang, say)
        bench = open_bench_database("postgresql", None, pair.url([pair.primary_port], "read-write"),
                                    schema=SCHEMA)
        stack.callback(bench.close)
        generation, days, daily, scale, growth = history(args, bench, lang, say)
        prepared = _prepare(pair, bench, lang, say)
        with Session(bench.engine) as session, session.begin():
            _, token = create_token(session, SOURCE)
        if args.keep_cluster:  # leave it as generated: the load's warnings out again, with their aggregates
            stack.callback(remove_ingested, bench.engine)
        bench.engine.dispose()
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="antifraud-bench-")))
        server = _serve(bench.url, args.workers, workdir, lang, say,
                        settings={"INGEST_RATE_LIMIT_PER_MINUTE": "0"})
        stack.callback(server.stop)
        read_url = schema_url(pair.url([pair.standby_port, pair.primary_port], "prefer-standby"), SCHEMA)
        app = create_app({"DATABASE_URL": bench.url, "READ_DATABASE_URL": read_url,
                          "INSTANCE_PATH": str(workdir), "INGEST_RATE_LIMIT_PER_MINUTE": 0,
                          "ESCALATION_IN_PROCESS": False, "AUDIT_CHECKPOINT_SECONDS": 0})
        database = app.extensions["database"]
        stack.callback(database.dispose)
        clients = {role: login(app, role, DEMO_PASSWORD) for role in DEMO_ROLES}
        watch = ReadsWatch(database)
        stack.callback(watch.close)
        settle()  # as gunicorn's workers do once their app is built (docker/gunicorn.conf.py)
        say(t("bench.progress.replica_load", lang, rate=f"{rate:,.0f}", workers=args.workers,
              warmup=f"{args.warmup_seconds:g}"))
        ingest = IngestLoad(server.base, token, bench.url, rate, args.workers).start()
        stack.callback(ingest.process.kill)  # only if the bench fails before the load is finished
        time.sleep(args.warmup_seconds)
        say(t("bench.progress.interactions", lang, runs=args.runs))
        sampler = LagSampler(pair.primary_port).start()
        stack.callback(sampler.process.kill)
        window, watch.on = time.time(), True
        interactions = measure(app, clients, args.runs)
        watch.on, window = False, (window, time.time())
        samples = sampler.finish()
        load = ingest.finish()
        reads = watch.figures()
        version = pair.server_version()
    return {
        "setup": {"scale": scale, "days": days, "daily_warnings": daily, "growth": growth,
                  "backend": "postgresql", "runs": args.runs, "started": started,
                  "python": sys.version.split()[0], "machine": machine,
                  "replica": {"postgres": version, "synchronous": False, "workers": args.workers,
                              "warmup_seconds": args.warmup_seconds,
                              "folder": str(pair.folder), "kept": bool(args.keep_cluster)}},
        "generation": generation,
        "interactions": interactions,
        "replica": {**prepared, "ingest": replica.ingest_figures(load, rate, window),
                    "lag": replica.lag_figures(samples),
                    "reads": reads},
    }
