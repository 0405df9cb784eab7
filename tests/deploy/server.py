"""Start the production entry point for real: ``docker/entrypoint.sh`` (migrate, then gunicorn).

``GunicornServer`` runs the image's start-up script from the repository with
the environment a container would get, and knows which worker answered each
request: every request carries an ``X-Probe`` header, and gunicorn's access
log (format ``<worker pid> <probe> <status>``) maps probes to worker pids.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
ACCESS_FORMAT = "%(p)s %({x-probe}i)s %(s)s"  # "<pid> probe status"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """``sh docker/entrypoint.sh`` with ``env``; ``request`` answers (response, worker pid)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = workdir / "access.log"
        self.output = (workdir / "gunicorn.out").open("wb")
        bin_dir = str(Path(sys.executable).parent)
        self.env = {**env, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                    "BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_CMD_ARGS": f"--access-logfile {self.access_log} "
                                         f"--access-logformat '{ACCESS_FORMAT}'"}
        self.process: subprocess.Popen | None = None
        self._pids: dict[str, int] = {}

    def start(self, timeout: float = 90.0) -> None:
        self.process = subprocess.Popen(["sh", str(ENTRYPOINT)], cwd=ROOT, env=self.env,
                                        stdout=self.output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the entrypoint exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        self.output.flush()
        text = Path(self.output.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def worker_pids(self) -> set[int]:
        """The pids of the master's children (the workers), read from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children

    def request(self, session: requests.Session, method: str, path: str, **kwargs):
        """One request on a fresh connection; the response, and the pid of the worker that served it."""
        probe = uuid.uuid4().hex
        headers = {"X-Probe": probe, "Connection": "close", **kwargs.pop("headers", {})}
        response = session.request(method, self.base + path, headers=headers, timeout=30,
                                   allow_redirects=False, **kwargs)
        return response, self.pid_of(probe)

    def pid_of(self, probe: str, timeout: float = 10.0) -> int:
        """The worker pid the access log gives for ``probe`` (written just after the answer)."""
        deadline = time.monotonic() + timeout
        while probe not in self._pids:
            if time.monotonic() > deadline:
                raise AssertionError(f"probe {probe} not in gunicorn's access log")
            if self.access_log.exists():
                for line in self.access_log.read_text().splitlines():
                    pid, _, rest = line.partition(" ")
                    self._pids[rest.split(" ")[0]] = int(pid.strip("<>"))  # gunicorn writes <pid>
            if probe not in self._pids:
                time.sleep(0.05)
        return self._pids[probe]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.output.close()
            return
        self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop of master and workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started
            self.process.wait(timeout=10)
        self.output.close()
