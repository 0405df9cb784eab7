"""Audit commands: ``audit verify``."""

from __future__ import annotations

import sys

from dashboard.cli.common import open_database


def cmd_audit_verify(args, settings) -> int:
    """Check the audit log's hash chain: exit 0 when intact, 1 naming the first bad entry."""
    from sqlalchemy import func, select

    from dashboard.auth.audit import verify_chain
    from dashboard.domain import AuditEntry

    db = open_database(settings)
    with db.session() as session:
        ok, bad_id = verify_chain(session)
        count = session.scalar(select(func.count()).select_from(AuditEntry))
    if not ok:
        print(f"antifraud audit verify: the audit chain is broken at entry {bad_id} "
              "(a row was changed or removed)", file=sys.stderr)
        return 1
    print(f"audit chain intact: {count} entries")
    return 0


def register(sub) -> None:
    audit = sub.add_parser("audit", help="the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    commands.add_parser("verify", help="check the hash chain; exit 1 if a row was changed or removed"
                        ).set_defaults(handler=cmd_audit_verify)
