"""Task commands: ``escalate`` (one pass) and ``escalation-worker`` (a loop).

Both share the lease of ``dashboard.commands.tasks.escalation_pass``: of several workers
only one escalates at a time, and a single pass while a worker holds the
lease does nothing and says so.  A pass also purges old login attempts
(``LOGIN_ATTEMPTS_KEEP_DAYS``).  The worker logs one line per task it
escalates, one per purge that removed rows, and one per failed pass, to
standard error (``action_log``).
"""

from __future__ import annotations

import signal

from dashboard.cli.common import UsageError, action_log, open_database


def cmd_escalate(args, settings) -> int:
    from dashboard.commands.tasks.escalation_pass import escalate_pass

    db = open_database(settings)
    report = escalate_pass(db.engine, settings=settings)
    if not report.ran:
        print("another process holds the escalation lease; nothing done")
        return 0
    by_reason = ", ".join(f"{reason}: {len(ids)}" for reason, ids in report.escalated.items())
    print(f"escalated {report.count} tasks" + (f" ({by_reason})" if by_reason else ""))
    if report.purged_attempts:
        print(f"purged {report.purged_attempts} login attempts older than LOGIN_ATTEMPTS_KEEP_DAYS")
    return 0


def cmd_escalation_worker(args, settings) -> int:
    from dashboard.jobs.worker import EscalationWorker

    if args.interval < 1:
        raise UsageError("--interval: must be at least 1 second")
    db = open_database(settings)
    worker = EscalationWorker(db.engine, args.interval, settings)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    print(f"escalating every {args.interval:g} s as {worker.holder}; Ctrl-C stops", flush=True)
    with action_log():  # one line per task escalated, per purge of login attempts, per failed pass
        try:
            worker.run_forever()
        except KeyboardInterrupt:
            worker.stop()
    return 0


def register(sub) -> None:
    sub.add_parser("escalate", help="escalate unacknowledged and overdue tasks once"
                   ).set_defaults(handler=cmd_escalate)
    worker = sub.add_parser("escalation-worker",
                            help="escalate unacknowledged and overdue tasks every --interval seconds")
    worker.add_argument("--interval", type=float, default=60.0,
                        help="seconds between passes (default 60)")
    worker.set_defaults(handler=cmd_escalation_worker)
