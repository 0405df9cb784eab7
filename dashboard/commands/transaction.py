"""One command in the caller's transaction, ended the same way wherever it runs.

``command_transaction(session)`` commits when the block succeeds; a refusal
the command has audited (``PermissionDenied``, ``NotFound``, and the kinds in
``keep``, for a command that audits a refused record id before it refuses:
the audit row is the point) commits that row and is raised again; any other
error (a form's refusal, a fault) rolls back everything, so nothing is
half-written.  Commands validate before they write, so a kept refusal keeps
only its audit rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from dashboard.auth.permissions import PermissionDenied
from dashboard.auth.records import NotFound


@contextmanager
def command_transaction(session: Session, keep: tuple[type[BaseException], ...] = ()
                        ) -> Iterator[Session]:
    try:
        yield session
    except (PermissionDenied, NotFound, *keep):
        session.commit()  # keep the audit row of the refusal
        raise
    except BaseException:
        session.rollback()
        raise
    session.commit()
