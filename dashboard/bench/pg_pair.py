"""A PostgreSQL primary and its streaming standby of our own, never the machine's server.

``PgPair(folder)`` runs ``initdb`` in ``folder``, starts a primary on a free
loopback port, makes the standby with ``pg_basebackup -R`` (a replication
slot, so that the primary keeps the WAL a standby still needs however far it
falls behind) and starts it on another free port.

- ``synchronous=True`` (the failover test): ``synchronous_standby_names='*'``,
  a commit is acknowledged once the standby has it, the setting of
  docs/operations.md "High availability".
- ``synchronous=False`` (``antifraud bench --replica``): asynchronous
  streaming, PostgreSQL's default, where the standby may lag; the lag is what
  the bench measures.
- ``fsync``: off for tests (speed); on for the bench (the primary's commits
  cost what they cost in production).

``kill_primary`` is ``pg_ctl stop -m immediate`` (a crash: no shutdown
checkpoint, nothing more sent to the standby); ``promote`` is ``pg_ctl
promote``; ``stop`` stops both (``immediate`` unless told ``fast``).

The binaries come from ``PG_BIN``, else ``PATH``, else the newest
``/usr/lib/postgresql/*/bin``.  ``initdb`` refuses to run as root: as root
every server command runs as the ``postgres`` user (``runuser``), in a folder
it owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from dashboard.bench.server import free_port

SERVER_COMMANDS = ("initdb", "pg_ctl", "pg_basebackup")
SLOT = "bench_standby"


def find_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and pg_basebackup, or None."""
    candidates = [os.environ.get("PG_BIN")] if os.environ.get("PG_BIN") else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                         reverse=True)
    for folder in candidates:
        if all((Path(folder) / name).is_file() for name in SERVER_COMMANDS):
            return Path(folder)
    return None


class PgPair:
    """A primary and a streaming standby on loopback, in ``folder``."""

    def __init__(self, folder: Path, binaries: Path, database: str = "antifraud",
                 synchronous: bool = True, fsync: bool = False) -> None:
        self.folder, self.binaries, self.database = Path(folder), binaries, database
        self.synchronous, self.fsync = synchronous, fsync
        self.as_postgres = os.geteuid() == 0
        self.primary_dir, self.standby_dir = self.folder / "primary", self.folder / "standby"
        self.primary_port = free_port()
        self.standby_port = free_port()
        while self.standby_port == self.primary_port:
            self.standby_port = free_port()
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def run(self, command: str, *args: str, timeout: float = 60) -> None:
        argv = [str(self.binaries / command), *args]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        # output to a file, not a pipe: the server pg_ctl starts would hold a pipe open
        output = self.folder / "commands.log"
        with open(output, "a", encoding="utf-8") as log:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                  timeout=timeout, check=False)
        if done.returncode != 0:
            text = output.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{command} failed ({done.returncode}): {text[-2000:]}")

    def _conf(self, data_dir: Path, lines: list[str]) -> None:
        with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(lines) + "\n")

    def _start(self, data_dir: Path, name: str) -> None:
        self.run("pg_ctl", "-D", str(data_dir), "-l", str(self.folder / f"{name}.log"), "-w",
                 "-t", "120", "start", timeout=180)

    def start(self) -> PgPair:
        self.run("initdb", "-D", str(self.primary_dir), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        self._conf(self.primary_dir, [
            f"port = {self.primary_port}", "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.folder}'", "wal_level = replica",
            "max_wal_senders = 4", "max_replication_slots = 4", "hot_standby = on",
            f"fsync = {'on' if self.fsync else 'off'}", "synchronous_commit = on",
        ])
        self._start(self.primary_dir, "primary")
        with self.connect(self.primary_port, "postgres") as conn:
            conn.autocommit = True
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                 "-D", str(self.standby_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
                 "-C", "-S", SLOT)
        # the standby's own settings (later lines win): its port, and no synchronous standby of its
        # own once promoted (it has none), or its commits would wait for one forever
        self._conf(self.standby_dir, [f"port = {self.standby_port}", "synchronous_standby_names = ''"])
        self._start(self.standby_dir, "standby")
        if self.synchronous:  # only now that there is a standby to wait for: every commit waits for it
            with self.connect(self.primary_port, "postgres") as conn:
                conn.autocommit = True
                conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                conn.execute("SELECT pg_reload_conf()")
        self.wait_for(self._standby_is_streaming, "the standby streaming"
                      + (" synchronously" if self.synchronous else ""))
        return self

    def connect(self, port: int, database: str | None = None) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=port, user="postgres",
                               dbname=database or self.database, connect_timeout=5)

    def _standby_is_streaming(self) -> bool:
        wanted = "sync" if self.synchronous else "async"
        with self.connect(self.primary_port, "postgres") as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_replication "
                               "WHERE state = 'streaming' AND sync_state = %s", (wanted,)).fetchone()
        return row[0] == 1

    def standby_in_recovery(self) -> bool:
        with self.connect(self.standby_port) as conn:
            return conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

    def replay_caught_up(self, target: str) -> bool:
        """Whether the standby has replayed the primary's WAL up to LSN ``target``."""
        with self.connect(self.primary_port, "postgres") as conn:
            row = conn.execute("SELECT bool_and(replay_lsn >= %s::pg_lsn) FROM pg_stat_replication",
                               (target,)).fetchone()
        return bool(row[0])

    def current_lsn(self) -> str:
        with self.connect(self.primary_port, "postgres") as conn:
            return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])

    def server_version(self) -> str:
        with self.connect(self.primary_port, "postgres") as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])

    @staticmethod
    def wait_for(condition, what: str, limit: float = 30, pause: float = 0.1) -> None:
        """Poll ``condition`` until it holds; RuntimeError naming ``what`` after ``limit`` s."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except psycopg.Error:
                pass
            time.sleep(pause)
        raise RuntimeError(f"waited {limit} s for {what}")

    def url(self, hosts: list[int], attrs: str) -> str:
        """A SQLAlchemy URL naming ``hosts`` (ports on loopback) in order, libpq's host list."""
        listed = "&".join(f"host=127.0.0.1:{port}" for port in hosts)
        return f"postgresql+psycopg://postgres@/{self.database}?{listed}&target_session_attrs={attrs}"

    def kill_primary(self) -> None:
        self.run("pg_ctl", "-D", str(self.primary_dir), "-m", "immediate", "-w", "stop")

    def promote(self) -> None:
        self.run("pg_ctl", "-D", str(self.standby_dir), "-w", "-t", "30", "promote")

    def stop(self, mode: str = "immediate") -> None:
        """Stop whichever server runs (``fast``: a clean shutdown, for a pair kept to start again)."""
        for data_dir in (self.primary_dir, self.standby_dir):
            if (data_dir / "postmaster.pid").exists():
                try:
                    self.run("pg_ctl", "-D", str(data_dir), "-m", mode, "-w", "-t", "120", "stop",
                             timeout=180)
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
