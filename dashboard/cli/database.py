"""Database commands: ``init-db``, ``seed-demo``, ``serve`` and ``demo``."""

from __future__ import annotations

from datetime import datetime

from dashboard.cli.common import UsageError, action_log, open_database


def cmd_init_db(args, settings) -> int:
    from dashboard import migrate
    from dashboard.db import safe_url
    from dashboard.ingest.reference import load_reference_data

    db = open_database(settings)
    migrate.upgrade(db.engine)
    with db.session() as session:
        counts = load_reference_data(session)
    print(f"database {safe_url(db.url)} is at revision {migrate.current_revision(db.engine)}; "
          f"reference lists: {sum(counts.values())} rows in {len(counts)} tables")
    return 0


def _parse_end(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--end: {value!r} is not an ISO date-time such as 2026-11-22T09:30") from None


def cmd_seed_demo(args, settings) -> int:
    from dashboard import migrate
    from dashboard.demo.seed import DatabaseNotEmpty, seed_demo

    if args.days < 1:
        raise UsageError("--days: must be at least 1")
    db = open_database(settings)
    if not migrate.is_current(db.engine):
        migrate.upgrade(db.engine)
    try:
        report = seed_demo(db.engine, days=args.days, end=_parse_end(args.end), seed=args.seed,
                           daily_warnings=args.daily_warnings, force=args.force,
                           progress=lambda msg: print(msg, flush=True))
    except DatabaseNotEmpty as exc:
        raise UsageError(str(exc)) from None
    for table, count in report.counts.items():
        print(f"  {table:<18} {count:>12,}")
    print(f"seeded {args.days} days in {report.seconds:.1f} s")
    return 0


def cmd_serve(args, settings) -> int:
    from dashboard import create_app

    open_database(settings)
    app = create_app()
    print(f"serving on http://{args.host}:{args.port}/", flush=True)
    with action_log():  # the in-process workers' lines (escalation, the demo's feed)
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    return 0


def cmd_demo(args, settings) -> int:
    from dashboard.demo.seed import has_history

    cmd_init_db(args, settings)
    db = open_database(settings)
    with db.engine.connect() as conn:
        empty = not has_history(conn)
    if empty:
        args.force = False
        cmd_seed_demo(args, settings)
    else:
        print("the database already holds history; not seeding again")
    with action_log():  # the feed's lines from its first
        if not args.no_simulate:
            from dashboard.cli.simulate import start_beside_server

            start_beside_server(settings, args.port)
        return cmd_serve(args, settings)


def register(sub) -> None:
    sub.add_parser("init-db", help="create or upgrade the database schema and reference lists"
                   ).set_defaults(handler=cmd_init_db)

    def seed_options(p) -> None:
        p.add_argument("--days", type=int, default=730, help="days of history (default 730)")
        p.add_argument("--end", help="end of the history, ISO date-time (default: now)")
        p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        p.add_argument("--daily-warnings", type=float, default=None,
                       help="warnings on the last day (default: data/demo/calibration.json)")

    def serve_options(p) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8050)

    seed = sub.add_parser("seed-demo", help="write the demo city and its history")
    seed_options(seed)
    seed.add_argument("--force", action="store_true", help="replace existing history")
    seed.set_defaults(handler=cmd_seed_demo)
    serve = sub.add_parser("serve", help="run the web server (development server)")
    serve_options(serve)
    serve.set_defaults(handler=cmd_serve)
    demo = sub.add_parser("demo", help="init-db, seed-demo if empty, then serve on 127.0.0.1:8050")
    seed_options(demo)
    serve_options(demo)
    demo.add_argument("--no-simulate", action="store_true",
                      help="do not start the live feed (antifraud simulate) beside the server")
    demo.set_defaults(handler=cmd_demo)
