"""Warnings and attempts are known by ``(source, external_id)`` through their key tables.

On PostgreSQL ``warnings`` and ``dissuasions`` are partitioned by month
(migration 0025), and a partitioned table cannot hold a unique index on
``(source, external_id)``.  The key is unique in ``warning_keys`` /
``dissuasion_keys``: the ingest claims it there (``INSERT ... ON CONFLICT
DO NOTHING``) and stores the row under the id the claim got.  A key another
process claimed first is not claimed again: that row is compared with the
stored one as before.  SQLite runs the same code over single tables.
"""

from __future__ import annotations

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import Session

from dashboard.db import dialect_insert
from dashboard.domain import Dissuasion, DissuasionKey, Warning, WarningKey
from dashboard.ingest.upsert import bound_column, one_of

FEW = 20  # fewer rows go in as statements: a temporary table costs more than it saves
KEY_TABLES = {"warnings": (WarningKey, "warning_id"), "dissuasions": (DissuasionKey, "dissuasion_id")}


def keyed(model, keys: list[tuple[str, str]], session: Session):
    """``select(model)`` of the rows with these keys, through the key table."""
    key_model, key_id = KEY_TABLES[model.__tablename__]
    by_source: dict[str, list[str]] = {}
    for s, e in keys:
        by_source.setdefault(s, []).append(e)
    return select(model).join(key_model, getattr(key_model, key_id) == model.id).where(or_(*(
        and_(key_model.source == s, one_of(session, key_model.external_id, ids)) for s, ids in by_source.items())))


def warnings_by_key(session: Session, keys: list[tuple[str, str]], lock: bool = False) -> dict:
    """The stored warnings of ``keys``, by key (locked for update on request)."""
    if not keys:
        return {}
    stmt = keyed(Warning, keys, session)
    if lock:
        stmt = stmt.with_for_update(of=Warning)
    return {(w.source, w.external_id): w for w in session.scalars(stmt)}


def attempts_by_key(session: Session, keys: list[tuple[str, str]]) -> dict:
    if not keys:
        return {}
    return {(d.source, d.external_id): d for d in session.scalars(keyed(Dissuasion, keys, session))}


def insert_keyed(session: Session, model, rows: list[dict], returning: tuple[str, ...]) -> list[tuple]:
    """Claim each row's key, store the rows whose key this call claimed; their ``returning`` values.

    The rows carry ``source`` and ``external_id`` and no id, and no key twice.
    On PostgreSQL the rows go in by COPY into a temporary table, the keys are
    claimed from it in one statement and the rows inserted from it in one
    more (as one multi-row ``VALUES``, a batch of 1,000 warnings would have
    22,000 placeholders, which psycopg parses in Python).  Values pass through
    the columns' own bind processing (encryption, local times) either way.
    """
    if not rows:
        return []
    table = model.__table__
    key_model, key_id = KEY_TABLES[table.name]
    key_table = key_model.__table__
    if session.get_bind().dialect.name != "postgresql" or len(rows) < FEW:
        claim = dialect_insert(session, key_table).on_conflict_do_nothing(
            index_elements=["source", "external_id"]).returning(
            key_table.c[key_id], key_table.c.source, key_table.c.external_id)
        claims = [{"source": r["source"], "external_id": r["external_id"]} for r in rows]
        if session.get_bind().dialect.name == "sqlite":  # ids after both tables' (typed-in attempts have no key)
            start = 1 + max(session.scalar(select(func.max(table.c.id))) or 0,
                            session.scalar(select(func.max(key_table.c[key_id]))) or 0)
            for k, claim_values in enumerate(claims):
                claim_values[key_id] = start + k
        claimed = {(s, e): i for i, s, e in session.execute(claim, claims)}
        mine = [{**r, "id": claimed[(r["source"], r["external_id"])]} for r in rows
                if (r["source"], r["external_id"]) in claimed]
        if not mine:
            return []
        stmt = insert(table).returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in session.execute(stmt, mine)]
    dialect = session.get_bind().dialect
    names = [c.name for c in table.columns if c.name in rows[0] and c.name != "id"]
    temp, column_list = f"_incoming_{table.name}", ", ".join(names)
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(f"CREATE TEMP TABLE {temp} AS SELECT id, {column_list} FROM {table.name} WITH NO DATA")
        # column by column: each column's processing is one pass over its values
        columns = [bound_column(table.c[name], [row.get(name) for row in rows], dialect) for name in names]
        with cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for values in zip(*columns, strict=True):
                copy.write_row(values)
        cursor.execute(
            f"WITH claimed AS (INSERT INTO {key_table.name} (source, external_id) "
            f"SELECT source, external_id FROM {temp} ON CONFLICT (source, external_id) DO NOTHING "
            f"RETURNING {key_id}, source, external_id) "
            f"UPDATE {temp} t SET id = c.{key_id} FROM claimed c "
            f"WHERE t.source = c.source AND t.external_id = c.external_id")
        cursor.execute(f"INSERT INTO {table.name} (id, {column_list}) SELECT id, {column_list} FROM {temp} "
                       f"WHERE id IS NOT NULL RETURNING {', '.join(returning)}")
        stored = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {temp}")
        return stored
    finally:
        cursor.close()
