"""Bring a test database back to "migrated, reference lists loaded, nothing else" quickly.

The ``engine`` fixture needs that state before every test.  Truncating all
49 tables and loading the reference lists again took about 90 ms a test on
PostgreSQL (a TRUNCATE makes new files for every table and index), which
over a thousand tests was a minute and a half of the suite.

- SQLite: the template file holds the reference lists already; a test gets a
  copy of it.
- PostgreSQL (``PostgresReset``): only the tables a test wrote to are
  emptied (DELETE with triggers off, so neither the audit log's guard nor a
  foreign key's action fires), and the sequences it used restart.  The
  reference lists stay, unless their fingerprint differs from the one taken
  after the last full load (a test edited a fraud type or a playbook): then
  every table is truncated and the lists are loaded again.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from dashboard.domain import Base
from dashboard.domain.reference import REFERENCE_MODELS
from dashboard.ingest.reference import load_reference_data

REFERENCE_TABLES = frozenset({m.__table__.name for m in REFERENCE_MODELS} | {"dissuasion_playbooks"})


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_reference_lists(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        load_reference_data(session)


class PostgresReset:
    """Empties what tests write to in the PostgreSQL schema of ``engine`` (its search path)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.all_tables = [t.name for t in Base.metadata.sorted_tables]
        written = [n for n in self.all_tables if n not in REFERENCE_TABLES]
        self.occupied_sql = text(" UNION ALL ".join(
            f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {_quoted(n)})" for n in written))
        self.fingerprint_sql = text(" UNION ALL ".join(
            f"SELECT '{n}', md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {_quoted(n)} t"
            for n in sorted(REFERENCE_TABLES)))
        self.used_sequences_sql = text(
            "SELECT sequencename FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL")
        self.reference: dict[str, str] | None = None

    def _fingerprint(self, conn: Connection) -> dict[str, str]:
        return dict(conn.execute(self.fingerprint_sql).all())

    def __call__(self) -> None:
        with self.engine.begin() as conn:
            # the audit log refuses deletes by trigger; tests start from nothing all the same
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            if self.reference is None or self._fingerprint(conn) != self.reference:
                self._full(conn)
                return
            for name in conn.scalars(self.occupied_sql):
                conn.execute(text(f"DELETE FROM {_quoted(name)}"))
            for sequence in conn.scalars(self.used_sequences_sql):
                conn.execute(text(f"ALTER SEQUENCE {_quoted(sequence)} RESTART"))

    def _full(self, conn: Connection) -> None:
        conn.execute(text("TRUNCATE " + ", ".join(_quoted(n) for n in self.all_tables) + " RESTART IDENTITY CASCADE"))
        with Session(bind=conn) as session:
            load_reference_data(session)  # it flushes; the commit is the caller's transaction's
        self.reference = self._fingerprint(conn)
