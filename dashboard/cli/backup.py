"""``backup`` and ``restore``: archives with a checksum and row counts, verified after restore."""

from __future__ import annotations

from pathlib import Path

from dashboard.cli.common import UsageError, open_database


def cmd_backup(args, settings) -> int:
    from dashboard.backup import BackupError, backup
    from dashboard.domain.base import now_local

    db = open_database(settings)
    path = Path(args.output or f"antifraud-backup-{now_local():%Y%m%d-%H%M%S}.tar")
    try:
        manifest = backup(db.engine, path)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"backup {path}: {manifest.kind}, revision {manifest.revision}, "
          f"{sum(manifest.rows.values()):,} rows in {len(manifest.rows)} tables, sha256 {manifest.sha256[:16]}…")
    return 0


def cmd_restore(args, settings) -> int:
    from dashboard.backup import BackupError, restore

    db = open_database(settings)
    if not Path(args.archive).is_file():
        raise UsageError(f"ARCHIVE: no file {args.archive}")
    try:
        manifest = restore(db.engine, Path(args.archive), force=args.force)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"restored {args.archive}: checksum verified, {sum(manifest.rows.values()):,} rows "
          f"in {len(manifest.rows)} tables match the backup")
    return 0


def register(sub) -> None:
    b = sub.add_parser("backup", help="write a verified backup archive of the database")
    b.add_argument("--output", help="archive path (default antifraud-backup-<time>.tar)")
    b.set_defaults(handler=cmd_backup)
    r = sub.add_parser("restore", help="restore a backup archive into an empty database and verify it")
    r.add_argument("archive")
    r.add_argument("--force", action="store_true", help="restore over a database that holds tables")
    r.set_defaults(handler=cmd_restore)
