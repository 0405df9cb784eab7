"""Checking the audit trail: the keyed chain, its head, and the checkpoints outside the database.

``verify_chain(session)`` walks every entry: ids without gaps, each
``prev_hash`` the previous hash, each hash the HMAC of its fields under the
audit key (plain SHA-256 before ``AuditHead.keyed_from``).  It answers
``(True, None)`` or ``(False, id of the first bad entry)``.

``verify_trail(session, checkpoints)`` adds what only the checkpoints can
prove: for each signed checkpoint, the entry it names must still exist with
the hash it recorded (else the newest entries were removed and the head
rewound, or the chain was rewritten with the key), and the keyed boundary
must not have moved.  It returns a ``TrailReport`` naming the first entry
that disagrees and why.  ``antifraud audit verify`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth.audit_checkpoints import Checkpoint
from dashboard.auth.audit_key import audit_key
from dashboard.domain.audit import GENESIS_HASH, AuditEntry, AuditHead

HEAD_ID = 1


@dataclass
class TrailReport:
    """``ok``, or the first entry that disagrees (``first_bad``) and why, in words."""

    entries: int = 0
    checkpoints: int = 0
    first_bad: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, entry_id: int | None, reason: str) -> None:
        if entry_id is not None and (self.first_bad is None or entry_id < self.first_bad):
            self.first_bad = entry_id
        self.problems.append(reason)


def _head(session: Session) -> tuple[int, str, int]:
    head = session.execute(select(AuditHead.last_id, AuditHead.last_hash, AuditHead.keyed_from)
                           .where(AuditHead.id == HEAD_ID)).one_or_none()
    if head is None:
        return 0, GENESIS_HASH, 1
    return head.last_id, head.last_hash, head.keyed_from or head.last_id + 1


def verify_chain(session: Session, batch: int = 1000,
                 key: bytes | None = None) -> tuple[bool, int | None]:
    """Recompute the chain up to the head: ``(True, None)``, or ``(False, first bad id)``.

    Entries appended after the head was read are left for the next run;
    deleting the newest entries without moving the head is caught there.
    """
    key = key or audit_key()
    last_id, last_hash, keyed_from = _head(session)
    expected_id, expected_prev = 1, GENESIS_HASH
    rows = session.execute(
        select(AuditEntry).where(AuditEntry.id <= last_id).order_by(AuditEntry.id)
        .execution_options(yield_per=batch)
    ).scalars()
    for entry in rows:
        mac_key = key if entry.id >= keyed_from else None
        if (entry.id != expected_id or entry.prev_hash != expected_prev
                or entry.hash != entry.compute_hash(mac_key)):
            return False, min(entry.id, expected_id)
        expected_id, expected_prev = entry.id + 1, entry.hash
    if expected_id - 1 != last_id:
        return False, expected_id
    if expected_prev != last_hash:
        return False, max(last_id, 1)
    return True, None


def _check_against(session: Session, checkpoint: Checkpoint, keyed_from: int,
                   stored_last: int, report: TrailReport) -> None:
    where = f"checkpoint of {checkpoint.at} (line {checkpoint.line})"
    if checkpoint.keyed_from is not None and checkpoint.keyed_from != keyed_from:
        report.fail(min(keyed_from, checkpoint.keyed_from),
                    f"the keyed entries began at {checkpoint.keyed_from} at the {where}, "
                    f"the database now says {keyed_from}")
    if checkpoint.last_id == 0:
        return
    if checkpoint.last_id > stored_last:
        report.fail(stored_last + 1,
                    f"entries {stored_last + 1} to {checkpoint.last_id} are missing: the {where} "
                    f"recorded {checkpoint.last_id} entries (removed, head moved back)")
        return
    stored = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == checkpoint.last_id))
    if stored != checkpoint.head:
        report.fail(None, f"entry {checkpoint.last_id} differs from the {where}: the chain up to "
                          "it was rewritten")


def verify_trail(session: Session, checkpoints: list[Checkpoint],
                 key: bytes | None = None) -> TrailReport:
    """The chain, the head, and every checkpoint; see the module doc."""
    report = TrailReport(checkpoints=len(checkpoints))
    report.entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    ok, bad = verify_chain(session, key=key)
    if not ok:
        report.fail(bad, f"entry {bad} was changed or removed (its hash, link or number is wrong)")
    last_id, _hash, keyed_from = _head(session)
    stored_last = max(last_id, session.scalar(select(func.max(AuditEntry.id))) or 0)
    for checkpoint in checkpoints:
        _check_against(session, checkpoint, keyed_from, stored_last, report)
    rewritten = [c for c in checkpoints if c.last_id <= stored_last and c.last_id and session.scalar(
        select(AuditEntry.hash).where(AuditEntry.id == c.last_id)) != c.head]
    if rewritten and ok:
        # a chain consistent in itself was rewritten with the key: the first entry that
        # disagrees lies after the newest checkpoint that still agrees
        first_wrong = min(c.last_id for c in rewritten)
        agreeing = [c.last_id for c in checkpoints if c not in rewritten and c.last_id < first_wrong]
        report.fail(max(agreeing, default=0) + 1,
                    f"the first rewritten entry lies between {max(agreeing, default=0) + 1} "
                    f"and {first_wrong}")
    return report
