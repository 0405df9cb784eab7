"""What a person sees when a command fails: one line naming the problem, exit 2, never a traceback.

``fault_line(exc, settings)`` turns any exception a command raised into that
line, in the deployment's language (``DEFAULT_LANGUAGE``): a ``DATABASE_URL``
this product cannot use, a database that refuses writes or the command, no
standard input where a command reads it, a file that cannot be read or
written.  Anything else is an *incident*: its traceback goes to a file under
``INSTANCE_PATH/incidents/`` (the temporary folder if that cannot be
written) and the line names the file.  Database errors are described by
the database's own first line only: never the statement or its parameters.
"""

from __future__ import annotations

import secrets
import tempfile
import traceback
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from dashboard.db import DatabaseUrlInvalid, fault_reason
from dashboard.i18n import normalize, translate

READ_ONLY_SIGNS = ("readonly", "read-only", "read only", "25006")


def _database_reason(exc: SQLAlchemyError) -> str:
    return fault_reason(exc)


def _incident(exc: BaseException, settings) -> tuple[str, str]:
    incident = secrets.token_hex(4)
    body = "".join(traceback.format_exception(exc))
    for folder in (Path(settings.get("INSTANCE_PATH") or tempfile.gettempdir()) / "incidents",
                   Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"antifraud-incident-{incident}.txt"
            path.write_text(body, encoding="utf-8")
            return incident, str(path)
        except OSError:
            continue
    return incident, "-"


def fault_line(exc: BaseException, settings) -> str:
    """The one line that says what went wrong (see the module docstring)."""
    lang = normalize(settings.get("DEFAULT_LANGUAGE"))
    if isinstance(exc, DatabaseUrlInvalid):
        return exc.message(lang)
    if isinstance(exc, SQLAlchemyError):
        reason = _database_reason(exc)
        code = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
        if isinstance(exc, DBAPIError) and any(s in f"{reason} {code}".lower() for s in READ_ONLY_SIGNS):
            return translate("cli.fault.read_only", lang)
        return translate("cli.fault.database", lang, reason=reason)
    if isinstance(exc, EOFError):
        return translate("cli.fault.no_input", lang)
    if isinstance(exc, OSError) and (exc.filename or exc.strerror):
        return translate("cli.fault.file", lang, path=exc.filename or "-",
                         reason=exc.strerror or type(exc).__name__)
    incident, log = _incident(exc, settings)
    return translate("cli.fault.unexpected", lang, kind=type(exc).__name__, incident=incident, log=log)
