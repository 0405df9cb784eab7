"""Record one dissuasion attempt on a warning from the station, and with it, maybe, the outcome.

``RecordAttempt(actor, warning_id, version, method=..., result=..., note=...,
outcome=..., loss_avoided=..., loss=...).run(session, now)`` checks, in this
order, and raises:

1. ``PermissionDenied`` unless the role has ``record_outcome`` (audited),
2. ``NotFound`` for a warning outside the user's scope (audited),
3. ``WarningChanged`` when ``version`` is not the stored one: someone else
   (another officer, or the upstream feed) changed the warning since the user
   opened it,
4. ``OutcomeInvalid("status", ...)`` when the warning is closed for good:
   dissuaded or defrauded.  A warning closed as refused or unreachable (the
   person was not won over) takes more attempts, and a later outcome
   replaces that one: the door visit after "unreachable",
5. ``OutcomeInvalid(<field>, ...)`` for the form's own fields,
6. ``OutcomeInvalid("started_at", ...)`` when the time of the attempt (now) breaks
   the bounds every recorded time keeps (``dashboard.domain.times``): before
   2000, or before the warning was received (a warning its upstream dated a
   few minutes ahead of this server's clock).

``run`` then claims the warning (``UPDATE ... SET version = version + 1
WHERE version = <seen>``; of two officers acting on the same version only one
matches), stores the attempt as the user (``started_at`` is now), moves the
warning on as an attempt from the feed does (first contact unless it was an
SMS; in progress; with an outcome, closed with its loss and loss avoided),
keeps the aggregate tables current in the same transaction, and audits it
(codes only: the note may name people).  An outcome that calls for a door
visit (``data/tasks/from_warning.csv``: "unreachable") comes back as the
proposal the county commander now sees on the task board.  The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dashboard.aggregates import maintained
from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed
from dashboard.auth.records import object_name, warning_in_scope
from dashboard.auth.scope import scope_of
from dashboard.commands.errors import Invalid
from dashboard.commands.tasks.proposals import DoorVisitProposal, propose_door_visit
from dashboard.domain import Dissuasion, Warning
from dashboard.domain.base import now_local
from dashboard.domain.reference import DissuasionMethod, DissuasionResult, Outcome
from dashboard.domain.text import has_control_characters, has_personal_number
from dashboard.domain.times import TimeBounds, TimeRefused
from dashboard.i18n import current_language, normalize, t

PERMISSION = "record_outcome"
NOT_CONTACT = frozenset({"sms"})  # methods that do not count as contact (as the feed's rule)
CLOSED, IN_PROGRESS = "closed", "in_progress"
NOTE_MAX = 2000
YUAN_MAX = 10**12
TIME_FORMAT = "%Y-%m-%d %H:%M"


class OutcomeInvalid(Invalid):
    """A refused field of the outcome form; the message starts with the field's name.

    A parameter given as a ``(zh, en)`` pair (a reference item's names) is
    shown in the message's language.
    """

    def message(self, lang: str | None = None) -> str:

        zh = normalize(lang or current_language()) == "zh-CN"
        params = {k: (v[0] if zh else v[1]) if isinstance(v, tuple) else v
                  for k, v in self.params.items()}
        text = t(self.key, lang, **params)
        if self.field == "version":
            return text
        return t("outcome.error.format", lang, field=t(f"outcome.field.{self.field}", lang),
                 message=text)


class WarningChanged(OutcomeInvalid):
    """The warning is no longer the version the user saw: who changed it last, and when."""

    def __init__(self, warning_id: int, by: str | None, at: str) -> None:
        super().__init__("version", "outcome.error.changed" if by else "outcome.error.changed_feed",
                         by=by or "", at=at)
        self.warning_id = warning_id


@dataclass(frozen=True)
class RecordedAttempt:
    attempt: Dissuasion
    warning: Warning
    proposal: DoorVisitProposal | None


def _yuan(value, field: str) -> int:
    """Whole yuan from a form value; empty is 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise OutcomeInvalid(field, "outcome.error.yuan", max=YUAN_MAX)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise OutcomeInvalid(field, "outcome.error.yuan", max=YUAN_MAX) from None
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= YUAN_MAX:
        raise OutcomeInvalid(field, "outcome.error.yuan", max=YUAN_MAX)
    return int(number)


def _code(session: Session, model, value, field: str, required: bool):
    code = (value or "").strip() if isinstance(value, str) else None
    if not code:
        if required or value not in (None, ""):
            raise OutcomeInvalid(field, "outcome.error.required" if required else "outcome.error.unknown")
        return None
    row = None if has_control_characters(code) else session.get(model, code)
    if row is None:
        raise OutcomeInvalid(field, "outcome.error.unknown")
    return row


def last_change(session: Session, warning_id: int) -> tuple[str | None, str]:
    """Who recorded the warning's latest attempt (None: the feed or nobody) and when."""
    row = session.execute(select(Dissuasion.officer, Dissuasion.source, Dissuasion.started_at)
                          .where(Dissuasion.warning_id == warning_id)
                          .order_by(Dissuasion.id.desc()).limit(1)).first()
    if row is None:
        return None, ""
    return (row.officer if row.source is None else None), row.started_at.strftime(TIME_FORMAT)


@dataclass
class RecordAttempt:
    """One attempt by ``actor`` on the warning ``warning_id`` as of ``version``."""

    actor: object
    warning_id: object
    version: object
    method: str | None = None
    result: str | None = None
    note: str | None = None
    outcome: str | None = None
    loss_avoided: object = None
    loss: object = None
    source_address: str | None = None

    def _find(self, session: Session) -> Warning:
        if not allowed(self.actor, PERMISSION):
            audit.record(session, user=self.actor, action=audit.ACCESS_DENIED,
                         object=object_name("warning", self.warning_id), outcome=audit.DENIED,
                         source_address=self.source_address, detail={"want": PERMISSION})
            raise PermissionDenied(PERMISSION)
        return warning_in_scope(session, scope_of(session, self.actor), self.warning_id,
                                user=self.actor, source_address=self.source_address)

    def _check_version(self, session: Session, warning: Warning) -> None:
        if self.version is None:
            return
        try:
            seen = int(self.version)
        except (TypeError, ValueError):
            seen = None
        if seen != warning.version:
            raise WarningChanged(warning.id, *last_change(session, warning.id))

    def _check_state(self, session: Session, warning: Warning) -> None:
        current = session.get(Outcome, warning.outcome) if warning.outcome else None
        if warning.status == CLOSED and (current is None or current.dissuaded or current.defrauded):
            names = (current.name_zh, current.name_en) if current else ("—", "—")
            raise OutcomeInvalid("status", "outcome.error.closed", outcome=names)

    def _check_fields(self, session: Session) -> dict:
        method = _code(session, DissuasionMethod, self.method, "method", required=True)
        result = _code(session, DissuasionResult, self.result, "result", required=True)
        outcome = _code(session, Outcome, self.outcome, "outcome", required=False)
        note = (self.note or "").strip() if isinstance(self.note, str) else ""
        if len(note) > NOTE_MAX:
            raise OutcomeInvalid("note", "outcome.error.too_long", max=NOTE_MAX)
        if has_control_characters(note):
            raise OutcomeInvalid("note", "outcome.error.control_characters")
        if has_personal_number(note):  # notes are shown to every role that sees the warning
            raise OutcomeInvalid("note", "outcome.error.personal_number")
        loss_avoided = _yuan(self.loss_avoided, "loss_avoided")
        loss = _yuan(self.loss, "loss")
        if outcome is None:
            if loss_avoided or loss:
                raise OutcomeInvalid("outcome", "outcome.error.outcome_needed")
        else:
            if outcome.dissuaded != result.dissuaded:
                raise OutcomeInvalid("result", "outcome.error.result_dissuaded" if outcome.dissuaded
                                     else "outcome.error.result_not_dissuaded")
            if loss_avoided and not outcome.dissuaded:
                raise OutcomeInvalid("loss_avoided", "outcome.error.loss_avoided_not_dissuaded")
            if outcome.defrauded and not loss:
                raise OutcomeInvalid("loss", "outcome.error.loss_needed")
            if loss and not outcome.defrauded:
                raise OutcomeInvalid("loss", "outcome.error.loss_not_defrauded")
        return {"method": method.code, "result": result.code, "note": note or None,
                "outcome": outcome.code if outcome else None,
                "loss_avoided": loss_avoided, "loss": loss}

    def _check_time(self, warning: Warning, now: datetime) -> None:
        """The attempt is recorded at ``now``: it keeps the bounds, after the warning's receipt."""
        try:
            TimeBounds(now, 0).check("started_at", now, after=warning.received_at,
                                     after_name="received_at")
        except TimeRefused as refused:
            params = dict(refused.params)
            params.pop("other", None)
            raise OutcomeInvalid("started_at", f"times.error.{refused.code}", **params) from None

    def validate(self, session: Session, now: datetime | None = None) -> tuple[Warning, dict]:
        warning = self._find(session)
        self._check_version(session, warning)
        self._check_state(session, warning)
        values = self._check_fields(session)
        self._check_time(warning, (now or now_local()).replace(microsecond=0))
        return warning, values

    def _claim(self, session: Session, warning: Warning) -> None:
        bumped = session.execute(
            update(Warning).where(Warning.id == warning.id, Warning.version == warning.version)
            .values(version=Warning.version + 1).execution_options(synchronize_session=False))
        if bumped.rowcount != 1:
            session.expire(warning)
            raise WarningChanged(warning.id, *last_change(session, warning.id))
        set_committed_value(warning, "version", warning.version + 1)

    def run(self, session: Session, now: datetime | None = None) -> RecordedAttempt:
        """Validate, claim, store the attempt and move the warning on; the caller commits."""
        now = (now or now_local()).replace(microsecond=0)
        warning, values = self.validate(session, now)
        self._claim(session, warning)
        officer = (getattr(self.actor, "display_name", None) or "")[:80] or None
        with maintained(session, warning):
            attempt = Dissuasion(warning=warning, method=values["method"], officer=officer,
                                 started_at=now, result=values["result"], note=values["note"])
            session.add(attempt)
            if values["method"] not in NOT_CONTACT and (
                    warning.first_contact_at is None or now < warning.first_contact_at):
                warning.first_contact_at = now
            if values["outcome"]:
                warning.outcome, warning.closed_at, warning.status = values["outcome"], now, CLOSED
                warning.loss, warning.loss_avoided = values["loss"], values["loss_avoided"]
            elif warning.status != CLOSED:
                warning.status = IN_PROGRESS
        audit.record(session, user=self.actor, action=audit.OUTCOME_RECORDED,
                     object=f"warning:{warning.id}", source_address=self.source_address, at=now,
                     detail={"method": values["method"], "result": values["result"],
                             "outcome": values["outcome"], "version": warning.version})
        proposal = propose_door_visit(session, warning, now) if values["outcome"] else None
        return RecordedAttempt(attempt, warning, proposal)
