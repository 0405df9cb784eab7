"""A PostgreSQL primary and its streaming standby of the test's own, never the machine's server.

``PgPair(folder)`` runs ``initdb`` in ``folder``, starts a primary on a free
loopback port with a synchronous standby (``synchronous_standby_names='*'``:
a commit is acknowledged once the standby has it, the setting of
docs/operations.md "High availability"), makes the standby with
``pg_basebackup -R`` and starts it on another free port.  ``kill_primary``
is ``pg_ctl stop -m immediate`` (a crash: no shutdown checkpoint, nothing
more sent to the standby); ``promote`` is ``pg_ctl promote``.

The binaries come from ``PG_BIN``, else ``PATH``, else the newest
``/usr/lib/postgresql/*/bin``.  ``initdb`` refuses to run as root: as root
every server command runs as the ``postgres`` user (``runuser``), in a folder
it owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg

SERVER_COMMANDS = ("initdb", "pg_ctl", "pg_basebackup")


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgPair:
    """A primary and a synchronous streaming standby on loopback, in ``folder``."""

    def __init__(self, folder: Path, binaries: Path, database: str = "antifraud") -> None:
        self.folder, self.binaries, self.database = folder, binaries, database
        self.as_postgres = os.geteuid() == 0
        self.primary_dir, self.standby_dir = folder / "primary", folder / "standby"
        self.primary_port = free_port()
        self.standby_port = free_port()
        while self.standby_port == self.primary_port:
            self.standby_port = free_port()
        if self.as_postgres:
            shutil.chown(folder, "postgres", "postgres")

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
                 "-t", "30", "start")

    def start(self) -> PgPair:
        self.run("initdb", "-D", str(self.primary_dir), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        self._conf(self.primary_dir, [
            f"port = {self.primary_port}", "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.folder}'", "wal_level = replica",
            "max_wal_senders = 4", "hot_standby = on", "fsync = off",
            "synchronous_commit = on",
        ])
        self._start(self.primary_dir, "primary")
        with self.connect(self.primary_port, "postgres") as conn:
            conn.autocommit = True
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                 "-D", str(self.standby_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        # the standby's own settings (later lines win): its port, and no synchronous standby of its
        # own once promoted (it has none), or its commits would wait for one forever
        self._conf(self.standby_dir, [f"port = {self.standby_port}", "synchronous_standby_names = ''"])
        self._start(self.standby_dir, "standby")
        # only now that there is a standby to wait for: every commit waits until it has it
        with self.connect(self.primary_port, "postgres") as conn:
            conn.autocommit = True
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            conn.execute("SELECT pg_reload_conf()")
        self.wait_for(self._standby_is_synchronous, "the standby streaming synchronously")
        return self

    def connect(self, port: int, database: str | None = None) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=port, user="postgres",
                               dbname=database or self.database, connect_timeout=5)

    def _standby_is_synchronous(self) -> bool:
        with self.connect(self.primary_port, "postgres") as conn:
            row = conn.execute("SELECT count(*) FROM pg_stat_replication "
                               "WHERE state = 'streaming' AND sync_state = 'sync'").fetchone()
        return row[0] == 1

    def standby_in_recovery(self) -> bool:
        with self.connect(self.standby_port) as conn:
            return conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]

    @staticmethod
    def wait_for(condition, what: str, limit: float = 30) -> None:
        """Poll ``condition`` until it holds; RuntimeError naming ``what`` after ``limit`` s."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except psycopg.Error:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"waited {limit} s for {what}")

    def url(self, hosts: list[int], attrs: str) -> str:
        """A SQLAlchemy URL naming ``hosts`` (ports on loopback) in order, libpq's host list."""
        listed = "&".join(f"host=127.0.0.1:{port}" for port in hosts)
        return f"postgresql+psycopg://postgres@/{self.database}?{listed}&target_session_attrs={attrs}"

    def kill_primary(self) -> None:
        self.run("pg_ctl", "-D", str(self.primary_dir), "-m", "immediate", "-w", "stop")

    def promote(self) -> None:
        self.run("pg_ctl", "-D", str(self.standby_dir), "-w", "-t", "30", "promote")

    def stop(self) -> None:
        for data_dir in (self.primary_dir, self.standby_dir):
            if (data_dir / "postmaster.pid").exists():
                try:
                    self.run("pg_ctl", "-D", str(data_dir), "-m", "immediate", "-w", "stop")
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
