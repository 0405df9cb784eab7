"""User commands: ``create-user``."""

from __future__ import annotations

import getpass
import sys

from dashboard.cli.common import UsageError, open_database


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("password again: ") != first:
        raise UsageError("--password: the two passwords differ")
    return first


def cmd_create_user(args, settings) -> int:
    """Create a user, checked exactly as on the admin page (role, unit, password policy)."""
    from dashboard.commands.create_user import CreateUser
    from dashboard.commands.errors import Invalid

    password = _read_password(args)
    db = open_database(settings)
    command = CreateUser(f"cli:{getpass.getuser()}", args.username, args.role, args.unit,
                         password, display_name=args.display_name, settings=settings,
                         source_address="cli")
    try:
        with db.session() as session:
            user = command.run(session)
            user_id, username, role = user.id, user.username, user.role
    except Invalid as invalid:
        option = "--" + invalid.field.replace("_", "-")
        raise UsageError(f"{option}: {invalid.message(settings['DEFAULT_LANGUAGE'])}") from None
    print(f"created user {username!r} (id {user_id}), role {role}, unit {args.unit or '-'}")
    return 0


def register(sub) -> None:
    user = sub.add_parser("create-user", help="create a user (asks for the password twice)")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True,
                      help="leader, commander, officer, press, admin or auditor")
    user.add_argument("--unit", default=None, metavar="CODE",
                      help="code of the user's unit (none for admin and auditor)")
    user.add_argument("--display-name", default=None, help="name shown in the app (default: username)")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input")
    user.set_defaults(handler=cmd_create_user)
