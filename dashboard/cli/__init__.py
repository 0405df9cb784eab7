"""``antifraud``: the command line of the dashboard.

Each module of this package registers its subcommands (``register(sub)``,
each parser with ``set_defaults(handler=...)``); add a module to
``COMMAND_MODULES`` to add commands.  Errors the user can fix (an unreachable
database, a database that already has data, a bad value) print one line and
exit with code 2, never a traceback; so does anything else that goes wrong
(``cli/faults.py``: the line names it, an unexpected error's details go to a
file).

Parsing the command line, and so ``antifraud --help`` and ``antifraud CMD --help``, imports
only argparse and these modules: their top level and ``register`` use the standard library,
``dashboard.cli.common``, ``dashboard.i18n`` and the light constants of ``dashboard.geo``,
``dashboard.ingest`` and ``dashboard.demo``; each handler imports what its command needs
(pandas, SQLAlchemy, Flask, ...) when it runs (``tests/test_cli_help.py`` checks).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from dashboard.cli import (
    archive,
    audit,
    backup,
    bench,
    boundaries,
    database,
    imports,
    loadtest,
    simulate,
    stats,
    tasks,
    tokens,
    units,
    users,
)
from dashboard.cli.common import UsageError

COMMAND_MODULES = [database, users, audit, units, boundaries, tokens, imports, tasks, backup, archive, simulate,
                   stats, bench, loadtest]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antifraud", description="Anti-fraud command dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run the parsed command with the deployment's settings; errors as one line (module doc)."""
    from dashboard.auth.audit_key import AuditKeyError
    from dashboard.cli.faults import fault_line
    from dashboard.db import DatabaseUnreachable
    from dashboard.domain.personal_data import PersonalDataKeyError
    from dashboard.safe_settings import UnsafeSettings, refuse_unknown_environment
    from dashboard.settings import SettingInvalid, load_settings

    try:
        settings = load_settings()
    except SettingInvalid as exc:  # a setting's own value: said in the language asked for, if any
        language = {"DEFAULT_LANGUAGE": os.environ.get("DEFAULT_LANGUAGE")}
        print(f"antifraud {args.command}: {fault_line(exc, language)}", file=sys.stderr)
        return 2
    try:
        refuse_unknown_environment(settings)  # a misspelt ANTIFRAUD_ENV must not run as development
        return args.handler(args, settings)
    except (DatabaseUnreachable, UsageError, UnsafeSettings, PersonalDataKeyError,
            AuditKeyError) as exc:
        print(f"antifraud {args.command}: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches a person (cli/faults.py)
        print(f"antifraud {args.command}: {fault_line(exc, settings)}", file=sys.stderr)
        return 2


__all__ = ["main", "build_parser", "UsageError"]
