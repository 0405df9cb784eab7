"""A page's write: one command in the request's transaction, and its refusal as the page's words.

``run_command(work)`` runs ``work(session)`` in the request's session under
``commands.transaction.command_transaction`` (commit on success, keep an
audited refusal's rows, roll back anything else) and answers a ``Ran``: the
command's value, or the refusal a person can act on (``Invalid``: a field
and why, including a stale version; ``PermissionDenied`` / ``NotFound``: not
allowed or not in scope).  Faults are raised, for the app's own error answer.
Pages never call ``commit()`` or ``rollback()`` themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from dash.exceptions import PreventUpdate
from sqlalchemy.orm import Session

from dashboard.commands.errors import Invalid, NotFound, PermissionDenied
from dashboard.commands.transaction import command_transaction
from dashboard.i18n import t
from dashboard.web.database import request_session

T = TypeVar("T")
REFUSALS = (Invalid, PermissionDenied, NotFound)


@dataclass(frozen=True)
class Ran(Generic[T]):
    """What a command gave (``value``), or why it was refused (``refusal``)."""

    value: T | None = None
    refusal: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def refused(self, *kinds: type[Exception]) -> bool:
        return isinstance(self.refusal, kinds)

    def message(self, lang: str | None = None) -> str:
        """The refusal in ``lang``: the field and why, or "not allowed" / "not found"."""
        if isinstance(self.refusal, Invalid):
            return self.refusal.message(lang)
        if isinstance(self.refusal, NotFound):
            return t("access.not_found.title", lang)
        return t("access.denied.title", lang)


def run_command(work: Callable[[Session], T], keep: tuple[type[Exception], ...] = ()) -> Ran[T]:
    """``work(session)`` in the request's transaction; ``keep``: refusals whose audit rows stay."""
    session = request_session()
    try:
        with command_transaction(session, keep=keep):
            value = work(session)
    except REFUSALS as refusal:
        return Ran(refusal=refusal)
    return Ran(value=value)


def run_reveal(work: Callable[[Session], str | None]) -> str:
    """A personal value shown on purpose (an unmask command, audited): the value ("—" when empty)
    or "not found"; a field that may not be shown changes nothing, a role that may not unmask
    gets the 403 answer (its refusal is audited)."""
    ran = run_command(work)
    if ran.refused(Invalid):
        raise PreventUpdate
    if ran.refused(PermissionDenied):
        raise ran.refusal
    return (ran.value or "—") if ran.ok else ran.message()


def audited_lookup(find: Callable[[], T]) -> T:
    """``find()`` of a record in scope; a refused id's audit row is kept and the refusal raised."""
    with command_transaction(request_session()):
        return find()
