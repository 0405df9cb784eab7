"""The web import page's writes: register an upload, map its columns, start, cancel (``import_files``).

Each function checks the actor's permission (a refusal is audited), validates
every value (``ImportInvalid`` naming the field: ``file``, ``kind``,
``source``, ``timezone``, ``mapping``), then writes and audits in the
caller's transaction; the caller commits.  A job is its uploader's alone:
anyone else's id is ``NotFound`` (audited), as is an id that does not exist.

Who may import what: ``import_files`` (the system administrator) imports for
every unit; ``import_unit_files`` (a commander, as ``data/permissions.csv``
grants it: remove the line to keep imports with the administrator) imports
rows of the stations of its own unit only: the job keeps that unit
(``scope_unit_id``) and the import refuses rows that name another.  Two
permissions, since no business role may hold an administrator's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import PurePath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.auth import audit
from dashboard.auth.permissions import PermissionDenied, allowed, role_of, roles
from dashboard.auth.records import NotFound, object_name, parse_id
from dashboard.commands.errors import Invalid
from dashboard.domain import OrgUnit
from dashboard.domain.base import now_local
from dashboard.domain.imports import ImportJob
from dashboard.domain.text import has_control_characters, has_personal_number
from dashboard.i18n import LANGUAGES, t
from dashboard.ingest import KINDS
from dashboard.ingest.files import CSV_SUFFIXES, XLSX_SUFFIXES, field_paths
from dashboard.ingest.headers import IGNORED_FIELD, header_key, save_maps
from dashboard.ingest.schemas import Source

SYSTEM_WIDE, OWN_UNIT = "import_files", "import_unit_files"  # an administrator's, a commander's
PERMISSION = f"{SYSTEM_WIDE}|{OWN_UNIT}"  # the page's: either
FILE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
NAME_MAX = 200
STARTABLE = frozenset({"uploaded", "interrupted"})


class ImportInvalid(Invalid):
    """A refused value of the import page; the message starts with the field's name."""

    def message(self, lang: str | None = None) -> str:
        return t("imports.problem", lang, field=t(f"imports.field.{self.field}", lang),
                 reason=t(self.key, lang, **self.params))


def check_actor(session: Session, actor, object_: str, source_address: str | None = None) -> None:
    if not allowed(actor, PERMISSION):
        audit.record(session, user=actor, action=audit.ACCESS_DENIED, object=object_,
                     outcome=audit.DENIED, source_address=source_address,
                     detail={"want": PERMISSION})
        raise PermissionDenied(PERMISSION)


def import_unit(session: Session, actor) -> OrgUnit | None:
    """The unit whose stations the actor's imports may name; None: every unit (the system scope)."""
    role = roles().get(role_of(actor) or "")
    if role is None:
        raise PermissionDenied(PERMISSION)
    if allowed(actor, SYSTEM_WIDE) and role.scope == "system":
        return None
    unit = session.get(OrgUnit, getattr(actor, "unit_id", None) or 0)
    if unit is None:
        raise PermissionDenied(PERMISSION)
    return unit


def within_path(session: Session, job: ImportJob) -> str | None:
    """The path of the unit a job's rows must lie in; None for a system-wide import."""
    if job.scope_unit_id is None:
        return None
    return session.scalar(select(OrgUnit.path).where(OrgUnit.id == job.scope_unit_id))


def check_file_name(name) -> str:
    text = PurePath(str(name or "").replace("\\", "/")).name.strip()
    if not text:
        raise ImportInvalid("file", "imports.error.no_file")
    if len(text) > NAME_MAX or has_control_characters(text) or has_personal_number(text):
        raise ImportInvalid("file", "imports.error.file_name", longest=NAME_MAX)
    if PurePath(text).suffix.lower() not in FILE_SUFFIXES:
        key = "imports.error.legacy_xls" if text.lower().endswith((".xls", ".et")) else \
            "imports.error.file_kind"
        raise ImportInvalid("file", key, kinds=" ".join(FILE_SUFFIXES))
    return text


def check_kind(kind) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise ImportInvalid("kind", "imports.error.kind", kinds=", ".join(KINDS))
    return kind


def check_source(source) -> str | None:
    text = source.strip() if isinstance(source, str) else source
    if text in (None, ""):
        return None
    try:
        return TypeAdapter(Source).validate_python(text)
    except ValidationError:
        raise ImportInvalid("source", "imports.error.source") from None


def check_timezone(zone) -> str:
    text = zone.strip() if isinstance(zone, str) else ""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportInvalid("timezone", "imports.error.timezone") from None
    return text


def check_maps(kind: str, maps) -> dict[str, str]:
    """``{column: field}`` as header key -> field; a field the kind does not have is refused."""
    if not isinstance(maps, dict):
        raise ImportInvalid("mapping", "imports.error.mapping_shape")
    known = set(field_paths(kind)) | {IGNORED_FIELD}
    out: dict[str, str] = {}
    for column, field in maps.items():
        if not isinstance(column, str) or not column.strip() or has_personal_number(column):
            raise ImportInvalid("mapping", "imports.error.mapping_shape")
        if not isinstance(field, str) or field not in known:
            raise ImportInvalid("mapping", "imports.error.mapping_field", column=column[:60],
                                chosen=str(field)[:60])
        out[header_key(column)] = field
    return out


def register_upload(session: Session, actor, *, file_name, stored_name: str, size: int, kind,
                    source, timezone, language, source_address: str | None = None) -> ImportJob:
    """A new job for a file just stored under ``stored_name`` (``uploaded``: not imported yet)."""
    check_actor(session, actor, "import:new", source_address)
    name = check_file_name(file_name)
    job = ImportJob(user_id=actor.id, scope_unit_id=getattr(import_unit(session, actor), "id", None),
                    file_name=name, stored_name=stored_name, size_bytes=int(size),
                    kind=check_kind(kind), source=check_source(source),
                    timezone=check_timezone(timezone),
                    language=language if language in LANGUAGES else LANGUAGES[0],
                    state="uploaded", progress_done=0, progress_size=0, rows=0, inserted=0,
                    duplicate=0, updated=0, rejected=0, created_at=now_local())
    session.add(job)
    session.flush()
    audit.record(session, user=actor, action=audit.IMPORT_UPLOADED, object=f"import:{job.id}",
                 source_address=source_address,
                 detail={"size": job.size_bytes, "kind": job.kind, "source": job.source})
    return job


def find_job(session: Session, actor, job_id, source_address: str | None = None) -> ImportJob:
    """The actor's own job ``job_id``; any other id is NotFound (audited)."""
    check_actor(session, actor, object_name("import", job_id), source_address)
    number = parse_id(job_id)
    job = session.get(ImportJob, number) if number is not None else None
    if job is None or job.user_id != actor.id:
        audit.record(session, user=actor, action=audit.ACCESS_DENIED,
                     object=object_name("import", job_id), outcome=audit.DENIED,
                     source_address=source_address, detail={"reason": "not_found"})
        raise NotFound("import", job_id)
    return job


def choose(session: Session, actor, job_id, *, kind, maps, source_address: str | None = None
           ) -> ImportJob:
    """Change what the import is told before it starts: the kind and the column mapping."""
    job = find_job(session, actor, job_id, source_address)
    if job.state not in STARTABLE:
        raise ImportInvalid("mapping", "imports.error.started")
    kind = check_kind(kind)
    job.kind = kind
    job.maps = json.dumps(check_maps(kind, maps), ensure_ascii=False) if kind and maps else None
    return job


def start(session: Session, actor, job_id, source_address: str | None = None) -> ImportJob:
    """Queue the job (the page then runs it in the background); its mapping is saved for its source."""
    job = find_job(session, actor, job_id, source_address)
    if job.state not in STARTABLE:
        raise ImportInvalid("file", "imports.error.started")
    job.state, job.heartbeat_at = "queued", now_local()
    job.error = None
    job.progress_done = job.rows = job.inserted = job.duplicate = job.updated = job.rejected = 0
    maps = json.loads(job.maps) if job.maps else {}
    if job.source and maps:
        save_maps(session, job.source, maps, now_local().replace(microsecond=0), actor=actor)
    audit.record(session, user=actor, action=audit.IMPORT_STARTED, object=f"import:{job.id}",
                 source_address=source_address,
                 detail={"kind": job.kind, "source": job.source, "mapped": sorted(maps.values())})
    return job


def cancel(session: Session, actor, job_id, source_address: str | None = None) -> ImportJob:
    """Stop a queued or running import; the batches already stored stay (importing again skips them)."""
    job = find_job(session, actor, job_id, source_address)
    if job.state == "queued" or job.state == "uploaded":
        job.state, job.finished_at = "cancelled", now_local()
    elif job.state == "running":
        job.state = "cancelling"  # the runner stops after its current batch
    else:
        raise ImportInvalid("file", "imports.error.finished")
    audit.record(session, user=actor, action=audit.IMPORT_CANCELLED, object=f"import:{job.id}",
                 source_address=source_address, detail={"rows": job.rows})
    return job


def mark_interrupted(session: Session, stale_seconds: int) -> int:
    """Jobs whose runner stopped beating (its process ended) become ``interrupted``; how many."""
    before = now_local() - timedelta(seconds=stale_seconds)
    result = session.execute(update(ImportJob).where(
        ImportJob.state.in_(("queued", "running", "cancelling")), ImportJob.heartbeat_at < before,
    ).values(state="interrupted", finished_at=now_local()))
    return result.rowcount or 0
