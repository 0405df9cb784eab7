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
    """Create an account, checked exactly as on the accounts page (name, password policy).

    Without ``--role`` the account has no role until a security administrator
    grants one on the roles page.  ``--role`` makes one of the three
    administrators (sysadmin, secadmin, auditor): only here, at the console.
    Either way the password must be changed at the first login.
    """
    from dashboard.auth.policy import policy_settings
    from dashboard.commands.create_user import CreateUser
    from dashboard.commands.errors import Invalid

    password = _read_password(args)
    db = open_database(settings)
    try:
        with db.session() as session:
            command = CreateUser(f"cli:{getpass.getuser()}", args.username, password,
                                 display_name=args.display_name, role=args.role,
                                 settings=policy_settings(session, settings), source_address="cli")
            user = command.run(session)
            user_id, username, role = user.id, user.username, user.role
    except Invalid as invalid:
        option = "--" + invalid.field.replace("_", "-")
        raise UsageError(f"{option}: {invalid.message(settings['DEFAULT_LANGUAGE'])}") from None
    if role is None:
        print(f"created account {username!r} (id {user_id}) with no role: a security "
              "administrator grants its role and unit on /admin/roles")
    else:
        print(f"created {role} {username!r} (id {user_id}); the password must be changed at "
              "the first login")
    return 0


def register(sub) -> None:
    user = sub.add_parser("create-user", help="create an account (asks for the password twice)")
    user.add_argument("--username", required=True)
    user.add_argument("--role", default=None, metavar="sysadmin|secadmin|auditor",
                      help="one of the three administrators; without it the account waits for "
                      "a security administrator to grant a business role")
    user.add_argument("--display-name", default=None, help="name shown in the app (default: username)")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input")
    user.set_defaults(handler=cmd_create_user)
