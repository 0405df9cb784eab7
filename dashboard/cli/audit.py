"""Audit commands: ``audit verify`` (the chain and its checkpoints) and ``audit checkpoint``."""

from __future__ import annotations

import sys
from pathlib import Path

from dashboard.cli.common import UsageError, open_database


def _checkpoints(args, settings):
    """The checkpoints to compare, or None with a reason when there is no file."""
    from dashboard.auth.audit_checkpoints import checkpoint_path, read_checkpoints

    path = Path(args.checkpoints) if args.checkpoints else checkpoint_path(settings)
    if not path.exists():
        return None, path
    return read_checkpoints(path), path


def cmd_audit_verify(args, settings) -> int:
    """Exit 0 when the chain and every checkpoint agree; 1 naming the first entry that does not."""
    from dashboard.auth.audit_checkpoints import CheckpointUnreadable
    from dashboard.auth.audit_key import install_audit_key
    from dashboard.auth.audit_verify import verify_trail

    install_audit_key(settings)
    try:
        checkpoints, path = _checkpoints(args, settings)
    except CheckpointUnreadable as unreadable:
        print(f"antifraud audit verify: {unreadable}", file=sys.stderr)
        return 1
    except OSError as error:
        raise UsageError(f"--checkpoints: {error.strerror}: {error.filename}") from None
    db = open_database(settings)
    with db.session() as session:
        report = verify_trail(session, checkpoints or [])
    for problem in report.problems:
        print(f"antifraud audit verify: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"antifraud audit verify: the first entry that disagrees is {report.first_bad}",
              file=sys.stderr)
        return 1
    if checkpoints is None:
        message = (f"no checkpoint file at {path}: removing the newest entries cannot be "
                   "detected without one")
        if settings.get("ANTIFRAUD_ENV") == "production":
            print(f"antifraud audit verify: {message}", file=sys.stderr)
            return 1
        print(f"warning: {message}", file=sys.stderr)
    print(f"audit chain intact: {report.entries} entries, {report.checkpoints} checkpoints agree")
    return 0


def cmd_audit_checkpoint(args, settings) -> int:
    """Append one signed checkpoint of the chain as it is now."""
    from dashboard.auth.audit_checkpoints import checkpoint_path, write_checkpoint
    from dashboard.auth.audit_key import install_audit_key

    install_audit_key(settings)
    path = Path(args.checkpoints) if args.checkpoints else checkpoint_path(settings)
    db = open_database(settings)
    try:
        with db.session() as session:
            line = write_checkpoint(session, path)
    except OSError as error:
        raise UsageError(f"--checkpoints: {error.strerror}: {path}") from None
    print(line)
    return 0


def register(sub) -> None:
    audit = sub.add_parser("audit", help="the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    for name, handler, text in (
            ("verify", cmd_audit_verify,
             "check the keyed chain and the checkpoints; exit 1 naming the first entry that "
             "disagrees"),
            ("checkpoint", cmd_audit_checkpoint,
             "append a signed checkpoint of the chain (for cron; the app writes them itself)")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--checkpoints", default=None, metavar="FILE",
                             help="the checkpoint file (default: AUDIT_CHECKPOINT_PATH)")
        command.set_defaults(handler=handler)
