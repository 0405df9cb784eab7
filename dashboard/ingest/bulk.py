"""Fast bulk loads of DataFrames: COPY on PostgreSQL, Arrow (ADBC) or executemany on SQLite.

Used by the demo generator and the benchmark.  ``insert_frame`` works inside
the caller's transaction; ``bulk_writer`` opens one transaction for a whole
load and commits it at the end, or rolls all of it back.

These loads bypass the columns' own types, so a frame carries what is
stored: encrypted columns already sealed, column by column
(``seal_frame``); every writer refuses a frame whose encrypted column holds
a clear value.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.schema import CreateIndex, DropIndex

from dashboard.domain.personal_data import EncryptedString, PersonalDataCipher, cipher, is_sealed

CHUNK_ROWS = 100_000


class UnsealedColumn(ValueError):
    """A bulk load would have written an encrypted column in clear."""


def encrypted_columns(table: Table) -> dict[str, str]:
    """Name -> purpose of every encrypted column of ``table``."""
    return {c.name: c.type.purpose for c in table.columns if isinstance(c.type, EncryptedString)}


def seal_frame(df: pd.DataFrame, table: Table, sealer: PersonalDataCipher | None = None) -> pd.DataFrame:
    """``df`` with its encrypted columns sealed in place, a column at a time (``encrypt_many``)."""
    sealer = sealer or cipher()
    for name, purpose in encrypted_columns(table).items():
        if name in df.columns:
            df[name] = sealer.encrypt_many(df[name].tolist(), purpose)
    return df


def check_sealed(table: Table, df: pd.DataFrame) -> None:
    """Refuse a frame whose encrypted column is not in its stored form (its first value tells)."""
    for name in encrypted_columns(table):
        if name not in df.columns:
            continue
        values = df[name]
        first = values.first_valid_index()
        if first is not None and not is_sealed(values.loc[first]):
            raise UnsealedColumn(f"{table.name}.{name}: a bulk load writes it sealed (seal_frame)")


def _times_as_text(col: pd.Series) -> list[str | None]:
    """Naive times in the text form both databases read (``LocalDateTime`` on SQLite writes it)."""
    values = col.dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    return [v if isinstance(v, str) else None for v in values]


def _column_lists(df: pd.DataFrame) -> list[list]:
    """Each column as a list of plain Python values, None where missing."""
    out = []
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out.append(_times_as_text(col))
        elif col.dtype == object and len(col) and isinstance(col.iloc[0], date):
            out.append([None if v is None else v.isoformat() for v in col.tolist()])
        elif col.hasnans:
            out.append(col.astype(object).where(col.notna(), None).tolist())
        else:
            out.append(col.tolist())
    return out


def _insert_sqlite(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    sql = (f"INSERT INTO {table.name} ({', '.join(df.columns)}) "
           f"VALUES ({', '.join('?' for _ in df.columns)})")
    cursor = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(df), CHUNK_ROWS):
            chunk = df.iloc[start : start + CHUNK_ROWS]
            cursor.executemany(sql, zip(*_column_lists(chunk), strict=True))
    finally:
        cursor.close()


def _insert_postgres(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    cols = ", ".join(df.columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, len(df), CHUNK_ROWS):
                buf = io.StringIO()
                df.iloc[start : start + CHUNK_ROWS].to_csv(
                    buf, header=False, index=False, date_format="%Y-%m-%d %H:%M:%S"
                )
                copy.write(buf.getvalue())


def insert_frame(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    """Insert every row of ``df`` (columns named as the table's) into ``table``."""
    if df.empty:
        return 0
    check_sealed(table, df)
    if conn.dialect.name == "postgresql":
        _insert_postgres(conn, table, df)
    else:
        _insert_sqlite(conn, table, df)
    return len(df)


class BulkWriter:
    """Writes frames and runs statements inside one transaction on an SQLAlchemy connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect

    def execute(self, sql: str) -> None:
        self.conn.exec_driver_sql(sql)

    def insert(self, table: Table, df: pd.DataFrame) -> int:
        return insert_frame(self.conn, table, df)

    def ddl(self, element) -> str:
        return str(element.compile(dialect=self.dialect))

    @contextmanager
    def indexes_deferred(self, tables: list[Table]) -> Iterator[None]:
        """Drop the tables' secondary indexes for the load and build them once after.

        Building an index once over all rows is several times faster than
        updating it row by row; it happens inside the same transaction.
        """
        indexes = [index for table in tables for index in table.indexes]
        for index in indexes:
            self.execute(self.ddl(DropIndex(index)))
        yield
        for index in indexes:
            self.execute(self.ddl(CreateIndex(index)))

    @contextmanager
    def foreign_keys_deferred(self, tables: list[Table]) -> Iterator[None]:
        """On PostgreSQL, drop the tables' foreign keys for the load and add them back, checked, after.

        Checked row by row, the foreign keys were most of COPY's time on
        PostgreSQL (a lookup in each referenced table for every row); added
        back, each is checked once over all rows (PostgreSQL's own advice
        for populating a database).  Their definitions are read from the
        database, so they come back exactly as they were.  A row that breaks
        one fails the load, and the transaction takes the whole load back,
        the dropped keys included.  Elsewhere nothing is dropped (SQLite
        loads do not enforce them: ``ArrowSqliteWriter``).
        """
        if self.dialect.name != "postgresql":
            yield
            return
        keys = [(table.name, name, definition) for table in tables
                for name, definition in self.conn.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid = to_regclass(:table) ORDER BY conname"),
                    {"table": table.name}).all()]
        quote = self.dialect.identifier_preparer.quote
        for table, name, _ in keys:
            self.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        yield
        for table, name, definition in keys:
            self.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")

    def reset_id_sequences(self, tables: list[Table]) -> None:
        """After inserting explicit ids on PostgreSQL, move the id sequences past them."""
        if self.dialect.name != "postgresql":
            return
        for table in tables:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )


class ArrowSqliteWriter(BulkWriter):
    """SQLite through ADBC: Arrow batches go in from C, faster than executemany (docs/performance.md).

    ADBC links its own copy of the SQLite library.  Two copies of SQLite in
    one process break each other's file locks (and WAL shared memory), so
    this writer must only run in a process that has no other connection to
    the file: ``dashboard.demo.loader`` starts a fresh (spawned) process for
    it.  One transaction; foreign keys are not enforced on this connection
    (loaders write consistent rows by construction and the tests check them
    with ``PRAGMA foreign_key_check``).

    A file in WAL mode is switched to a rollback journal for the load and
    back to WAL after it: in WAL every new page would be written twice (to
    the log, then by the checkpoint into the file), while a rollback journal
    keeps only the pages that existed before, and a load mostly adds pages.
    A crash still rolls the whole load back.  If another connection holds
    the file the switch is refused and the load simply runs in WAL.
    """

    def __init__(self, path: str, dialect) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        self.path = path
        self.journal = self._switch_journal("DELETE", only_from="wal")
        self.raw = adbc.connect(path)
        self.cursor = self.raw.cursor()
        self.dialect = dialect
        for pragma in ("busy_timeout=10000", "cache_size=-262144", "temp_store=MEMORY"):
            self.cursor.execute(f"PRAGMA {pragma}")

    def _switch_journal(self, mode: str, only_from: str) -> str | None:
        """Set the file's journal mode if it is ``only_from``; the mode it had (None if unknown).

        Outside any transaction (a connection of its own in autocommit), as
        SQLite requires; a refusal (the file is busy) leaves the mode as it is.
        """
        import adbc_driver_sqlite.dbapi as adbc

        with adbc.connect(self.path, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode")
            before = str(cursor.fetchone()[0]).lower()
            if before == only_from:
                try:
                    cursor.execute(f"PRAGMA journal_mode={mode}")
                    cursor.fetchone()
                except Exception:  # noqa: BLE001 - another connection holds the file
                    return None
        return before

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def insert(self, table: Table, df: pd.DataFrame) -> int:
        import pyarrow as pa

        if df.empty:
            return 0
        check_sealed(table, df)
        batch = pa.Table.from_pandas(df, preserve_index=False)
        for i, field in enumerate(batch.schema):
            if pa.types.is_timestamp(field.type):  # the text LocalDateTime keeps on SQLite
                batch = batch.set_column(i, field.name, batch.column(i).cast(pa.string()))
            elif pa.types.is_date(field.type):
                batch = batch.set_column(i, field.name, batch.column(i).cast(pa.string()))
        self.cursor.adbc_ingest(table.name, batch, mode="append")
        return len(df)

    def close(self, commit: bool) -> None:
        (self.raw.commit if commit else self.raw.rollback)()
        self.cursor.close()
        self.raw.close()
        if self.journal == "wal":
            self._switch_journal("WAL", only_from="delete")


@contextmanager
def arrow_sqlite_writer(path: str, dialect) -> Iterator[ArrowSqliteWriter]:
    """One ADBC transaction on the SQLite file ``path``: committed at the end, or rolled back."""
    writer = ArrowSqliteWriter(path, dialect)
    try:
        yield writer
    except BaseException:
        writer.close(commit=False)
        raise
    writer.close(commit=True)


@contextmanager
def bulk_writer(engine: Engine) -> Iterator[BulkWriter]:
    """A writer on ``engine`` in one transaction, committed at the end (COPY on PostgreSQL)."""
    with engine.begin() as conn:
        yield BulkWriter(conn)
