"""One command in the caller's transaction, ended the same way wherever it runs.

``command_transaction(session)`` commits when the block succeeds; a refusal
the command has audited (``PermissionDenied``, ``NotFound``: the audit row is
the point) commits that row and is raised again; any other error (a form's
refusal, a fault) rolls back everything, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound


@contextmanager
def command_transaction(session: Session) -> Iterator[Session]:
    try:
        yield session
    except (PermissionDenied, NotFound):
        session.commit()  # keep the audit row of the refusal
        raise
    except BaseException:
        session.rollback()
        raise
    session.commit()
