"""Signed checkpoints of the audit chain, written outside the database.

A checkpoint is one line of JSON: when, the newest entry's id and hash, where
the keyed entries begin, which process wrote it, and an HMAC of all that
under a key derived from the audit key.  Lines are appended to the file
``AUDIT_CHECKPOINT_PATH`` (opened for appending only, one ``write`` a line,
flushed to disk) and logged to the process log (logger ``dashboard.audit``),
so a copy lives wherever the logs are shipped.  Whoever rewinds the database
(deletes the newest entries and moves the head back) or rewrites the chain
with the key cannot also rewrite what was signed and logged before:
``dashboard.auth.audit_verify`` compares them.

Written: by ``CheckpointWriter`` every ``AUDIT_CHECKPOINT_SECONDS`` (a thread
of each web process, started by ``init_app``), when the process starts and
when it shuts down; and by ``antifraud audit checkpoint`` (for cron).
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.audit_key import audit_key, checkpoint_key
from dashboard.domain.audit import GENESIS_HASH, AuditHead
from dashboard.domain.base import now_local

log = logging.getLogger("dashboard.audit")
VERSION = 1
FIELDS = ("v", "at", "last_id", "head", "keyed_from", "writer")


@dataclass(frozen=True)
class Checkpoint:
    """What one line says: the chain ended at ``last_id`` with hash ``head`` at ``at``."""

    at: str
    last_id: int
    head: str
    keyed_from: int | None
    writer: str
    line: int = 0  # its line number in the file (1-based), for messages


class CheckpointUnreadable(ValueError):
    """A line that is not a checkpoint, or whose signature does not match (forged, damaged)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"checkpoint line {line}: {reason}")
        self.line = line


def _mac(fields: Mapping, key: bytes) -> str:
    body = json.dumps({name: fields[name] for name in FIELDS}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True)
    return hmac.new(checkpoint_key(key), body.encode("ascii"), hashlib.sha256).hexdigest()


def signed_line(at: datetime, last_id: int, head: str, keyed_from: int | None, writer: str,
                key: bytes | None = None) -> str:
    """The checkpoint line (JSON, no newline) for a chain ending at ``last_id`` / ``head``."""
    fields = {"v": VERSION, "at": at.isoformat(timespec="seconds"), "last_id": int(last_id),
              "head": head, "keyed_from": keyed_from, "writer": writer[:120]}
    fields["mac"] = _mac(fields, key or audit_key())
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def parse_line(text: str, number: int, key: bytes | None = None) -> Checkpoint:
    """The checkpoint of one line, or ``CheckpointUnreadable`` naming the line."""
    try:
        fields = json.loads(text)
        if not isinstance(fields, dict) or fields.get("v") != VERSION:
            raise ValueError("unknown format")
        mac = fields.get("mac")
        expected = _mac(fields, key or audit_key())
        checkpoint = Checkpoint(str(fields["at"]), int(fields["last_id"]), str(fields["head"]),
                                fields["keyed_from"], str(fields["writer"]), number)
    except (ValueError, KeyError, TypeError):
        raise CheckpointUnreadable(number, "not a checkpoint (damaged)") from None
    if not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
        raise CheckpointUnreadable(number, "its signature does not match (forged or damaged)")
    return checkpoint


def read_checkpoints(path: Path, key: bytes | None = None) -> list[Checkpoint]:
    """Every checkpoint of the file, in file order; raises on the first unreadable line."""
    found = []
    with path.open(encoding="ascii", errors="replace") as fh:
        for number, text in enumerate(fh, start=1):
            if text.strip():
                found.append(parse_line(text.strip(), number, key))
    return found


def writer_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def current_head(session: Session) -> tuple[int, str, int | None]:
    """The chain's newest id and hash, and where the keyed entries begin."""
    head = session.execute(select(AuditHead.last_id, AuditHead.last_hash, AuditHead.keyed_from)
                           .where(AuditHead.id == 1)).one_or_none()
    return (head.last_id, head.last_hash, head.keyed_from) if head else (0, GENESIS_HASH, 1)


def write_checkpoint(session: Session, path: Path, at: datetime | None = None) -> str:
    """Append one signed checkpoint of the chain as stored now; log it too; return the line."""
    last_id, head, keyed_from = current_head(session)
    line = signed_line(at or now_local(), last_id, head, keyed_from, writer_name())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    log.info("audit checkpoint %s", line)
    return line


class CheckpointWriter:
    """A daemon thread writing a checkpoint every ``seconds``, at start and at shutdown."""

    def __init__(self, sessionmaker, path: Path, seconds: float) -> None:
        self.sessionmaker, self.path, self.seconds = sessionmaker, path, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)

    def write(self) -> None:
        try:
            with self.sessionmaker() as session:
                write_checkpoint(session, self.path)
        except Exception:  # noqa: BLE001 - a failed checkpoint must not stop the app; it is logged
            log.exception("audit checkpoint could not be written to %s", self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.write()

    def start(self) -> CheckpointWriter:
        self.write()  # the start's checkpoint is on disk before start() returns
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self.write()


def checkpoint_path(settings: Mapping) -> Path:
    """The checkpoint file of ``settings`` (``AUDIT_CHECKPOINT_PATH``, else in the instance folder)."""
    configured = settings.get("AUDIT_CHECKPOINT_PATH")
    if configured:
        return Path(configured)
    return Path(settings["INSTANCE_PATH"]) / "audit-checkpoints.log"


def init_app(app) -> CheckpointWriter | None:
    """Start the writer unless ``AUDIT_CHECKPOINT_SECONDS`` is 0 or the app is under test."""
    seconds = float(app.config.get("AUDIT_CHECKPOINT_SECONDS") or 0)
    if seconds <= 0 or app.config.get("TESTING"):
        return None
    writer = CheckpointWriter(app.extensions["database"].sessionmaker, checkpoint_path(app.config),
                              seconds)
    app.extensions["audit_checkpoints"] = writer
    return writer.start()
