"""Engine and session: one ``Database`` per app, sessions owned by the caller.

Query helpers and commands receive a ``Session`` and never commit; the web
request (or CLI command, or test) that opened the session owns its
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from dashboard.i18n import translate


class DatabaseUnreachable(RuntimeError):
    """The configured database cannot be reached; the message hides any password."""


class DatabaseUrlInvalid(ValueError):
    """``DATABASE_URL`` names no database this product can use; ``reason`` is an i18n key."""

    def __init__(self, reason: str, **params):
        self.reason, self.params = reason, params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:

        return f"DATABASE_URL: {translate(self.reason, lang, **self.params)}"


# the databases and drivers the product runs on (``DATABASE_URL``)
DRIVERS = {"sqlite": {"pysqlite"}, "postgresql": {"psycopg"}}


def checked_url(url: str):
    """``url`` parsed, or ``DatabaseUrlInvalid`` saying why it cannot be used."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlInvalid("cli.fault.url_unparsable") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        raise DatabaseUrlInvalid("cli.fault.url_postgres")
    if backend not in DRIVERS:
        raise DatabaseUrlInvalid("cli.fault.url_backend", backend=backend)
    driver = parsed.get_driver_name()  # loads the dialect: only for the two we know
    if driver not in DRIVERS[backend]:
        raise DatabaseUrlInvalid("cli.fault.url_driver", driver=driver)
    return parsed


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine_or_url) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _statement_timeout(milliseconds: int):
    def set_timeout(dbapi_conn, _record) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET statement_timeout = {int(milliseconds)}")
        dbapi_conn.commit()

    return set_timeout


def make_engine(url: str, echo: bool = False, connect_timeout: float | None = None,
                statement_timeout: float | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    Statement parameters are never put into error messages or the echo log
    (``hide_parameters``): they may be a typed username or someone's number.
    On PostgreSQL, ``connect_timeout`` (seconds) bounds opening a connection
    (a server that accepts and never answers) and ``statement_timeout``
    (seconds) every statement; None or 0: no bound.
    """
    parsed = checked_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": max(1, round(connect_timeout))} if connect_timeout else {}
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True,
                           connect_args=connect_args)
    if statement_timeout:
        event.listen(engine, "connect", _statement_timeout(statement_timeout * 1000))
    event.listen(engine, "begin", _no_writes_yet)
    event.listen(engine, "before_cursor_execute", _note_writes)
    return engine


# psycopg prepares a statement run five times on a connection, which spares PostgreSQL planning it
# again (docs/performance.md, "Why the code is shaped this way"), but forgets them all at
# every ROLLBACK.  A read-only transaction is therefore ended by COMMIT (``end_read_only``): the
# same for the database, and the connection keeps its prepared statements for the next request.
WRITES = "antifraud_writes"


def _no_writes_yet(conn) -> None:
    conn.info[WRITES] = False


def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not statement.lstrip()[:6].upper() == "SELECT":
        conn.info[WRITES] = True


def end_read_only(session: Session) -> bool:
    """Commit ``session``'s transaction if it only read (PostgreSQL); True if it did.

    Anything else (a write not committed, a failed transaction, SQLite) is
    left for the caller to roll back.
    """
    connection = session.info.get("connection")
    if (connection is None or connection.closed or connection.invalidated
            or connection.dialect.name != "postgresql"
            or connection.info.get(WRITES, True) or session.new or session.dirty or session.deleted):
        return False
    from psycopg.pq import TransactionStatus

    if connection.connection.dbapi_connection.info.transaction_status != TransactionStatus.INTRANS:
        return False  # a failed statement left it in error: only a rollback ends it
    try:
        session.commit()
    except Exception:  # noqa: BLE001 - a failed transaction: the caller rolls it back
        return False
    return True


# What the database's refusal says, by its SQLSTATE (PostgreSQL) or its message (SQLite's has none)
READ_ONLY = "read_only"        # a standby, default_transaction_read_only, a read-only file, a full disk
UNAVAILABLE = "unavailable"    # no connection, a connection dropped, a server shutting down or starting
TIMED_OUT = "timed_out"        # DATABASE_STATEMENT_TIMEOUT reached, or no pooled connection in time
_READ_ONLY_STATES = ("25006", "53100")                           # read_only_sql_transaction, disk_full
_READ_ONLY_TEXT = ("readonly database", "read-only", "read only", "disk is full", "disk full")
_TIMED_OUT_STATES = ("57014",)                                    # query_canceled (statement_timeout)
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")  # connection_exception class, shutdowns
_SQLITE_UNAVAILABLE_TEXT = ("unable to open database", "disk i/o error", "database is locked")


_DRIVERS = ("psycopg", "sqlite3")


def as_sqlalchemy(exc: BaseException) -> BaseException:
    """``exc`` itself, or a driver's own error (psycopg's ``COPY`` raises them unwrapped) wrapped
    as SQLAlchemy wraps it: ``OperationalError`` for psycopg's ``OperationalError`` and so on."""
    if isinstance(exc, SQLAlchemyError) or type(exc).__module__.split(".")[0] not in _DRIVERS:
        return exc
    base = next((kind for kind in type(exc).__mro__ if kind.__name__ == "Error"), None)
    if base is None:
        return exc
    return DBAPIError.instance(None, None, exc, base, hide_parameters=True)


def database_reason(exc: BaseException) -> str:
    """The database's own first line about ``exc``: never the statement or its parameters."""
    exc = as_sqlalchemy(exc)
    original = getattr(exc, "orig", None)
    primary = getattr(getattr(original, "diag", None), "message_primary", None)
    if primary:
        text_ = primary
    elif original is not None:
        text_ = str(original)
    elif isinstance(exc, OSError) and exc.strerror:
        text_ = exc.strerror
    else:
        text_ = str(exc) if isinstance(exc, DatabaseUnreachable) else type(exc).__name__
    return (text_.strip().splitlines() or [type(exc).__name__])[0][:200]


def database_fault(exc: BaseException) -> str | None:
    """``READ_ONLY``, ``UNAVAILABLE`` or ``TIMED_OUT`` when ``exc`` says the database cannot serve
    now (not that a statement was wrong); None otherwise."""
    exc = as_sqlalchemy(exc)
    if isinstance(exc, DatabaseUnreachable):
        return UNAVAILABLE
    if isinstance(exc, PoolTimeout):
        return TIMED_OUT
    if not isinstance(exc, SQLAlchemyError):
        return None
    code = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    reason = database_reason(exc).lower()
    if code in _READ_ONLY_STATES or (isinstance(exc, DBAPIError) and any(s in reason for s in _READ_ONLY_TEXT)):
        return READ_ONLY
    if code in _TIMED_OUT_STATES:
        return TIMED_OUT
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return UNAVAILABLE
    if code:
        return UNAVAILABLE if code.startswith(_UNAVAILABLE_STATES) else None
    if isinstance(exc, InterfaceError):
        return UNAVAILABLE
    if isinstance(exc, OperationalError):
        if type(getattr(exc, "orig", None)).__module__ == "sqlite3":  # "no such table" is no outage
            return UNAVAILABLE if any(s in reason for s in _SQLITE_UNAVAILABLE_TEXT) else None
        return UNAVAILABLE  # PostgreSQL with no SQLSTATE: no server answered
    return None


def check_reachable(engine: Engine) -> None:
    """Raise ``DatabaseUnreachable`` naming the URL (password hidden) if no connection works."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnreachable(
            f"database {safe_url(str(engine.url))} is unreachable: {reason}"
        ) from None


def _remember_connection(session: Session, _transaction, connection) -> None:
    session.info["connection"] = connection


def _read_only_connection(dbapi_conn, _record) -> None:
    with dbapi_conn.cursor() as cur:
        cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    dbapi_conn.commit()


def _read_only_sqlite(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA query_only=ON")  # "attempt to write a readonly database"


class Database:
    """An engine and its session factory; with ``read_url``, a second one for reads.

    ``read_url`` (``READ_DATABASE_URL``: a standby) gets its own engine whose
    connections are read-only, so a write sent there by mistake is
    refused rather than lost.  Without it, ``read_engine`` and
    ``read_sessionmaker`` are the primary's own.
    """

    def __init__(self, url: str, echo: bool = False, connect_timeout: float | None = None,
                 statement_timeout: float | None = None, read_url: str | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, connect_timeout=connect_timeout,
                                  statement_timeout=statement_timeout)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.sessionmaker, "after_begin", _remember_connection)
        self.replicated = bool(read_url)
        self.read_engine, self.read_sessionmaker = self.engine, self.sessionmaker
        if read_url:
            self.read_engine = make_engine(read_url, echo=echo, connect_timeout=connect_timeout,
                                           statement_timeout=statement_timeout)
            event.listen(self.read_engine, "connect",
                         _read_only_sqlite if is_sqlite(self.read_engine) else _read_only_connection)
            self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False)
            event.listen(self.read_sessionmaker, "after_begin", _remember_connection)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replicated:
            self.read_engine.dispose()


class UnsupportedDatabase(RuntimeError):
    """An upsert (``INSERT ... ON CONFLICT``) on a database other than SQLite or PostgreSQL."""


def dialect_insert(session: Session, table):
    """``INSERT`` into ``table`` with ``on_conflict_do_nothing`` / ``_do_update``, for this session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise UnsupportedDatabase(f"DATABASE_URL: {name} is not supported; use SQLite or PostgreSQL")
