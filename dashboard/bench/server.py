"""The production entry point run for real: ``docker/entrypoint.sh`` (migrate, then gunicorn).

``GunicornServer`` starts the image's start-up script from the repository on
a free loopback port with the environment a container would get, waits for
``/healthz``, and stops master and workers together.  ``antifraud loadtest``
serves through it, and the deployment tests (tests/deploy/server.py) add
their per-request worker probes on top.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


class ServerFailed(RuntimeError):
    """The server did not come up; ``log`` is its output's tail.

    ``reason`` ``exited`` (``value``: the exit code, None when the entrypoint is
    missing) or ``no_health`` (``value``: the seconds waited for ``/healthz``).
    """

    def __init__(self, reason: str, detail: str, log: str, value=None) -> None:
        super().__init__(detail + ":\n" + "\n".join(log.splitlines()[-40:]))
        self.reason, self.detail, self.log, self.value = reason, detail, log, value


def log_digest(log: str, lines: int = 15) -> str:
    """The last ``lines`` telling lines of a server's output: no traceback frames, no repeats."""
    telling = [line for line in log.splitlines()
               if line.strip() and not line.startswith((" ", "\t", "Traceback", "^"))]
    return "\n".join(list(dict.fromkeys(telling))[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """``sh docker/entrypoint.sh`` with ``env`` on ``127.0.0.1:<free port>``; output in ``workdir``.

    ``gunicorn_args`` become ``GUNICORN_CMD_ARGS`` (options on top of docker/gunicorn.conf.py).
    """

    def __init__(self, env: dict[str, str], workdir: Path, gunicorn_args: str = "") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = (Path(workdir) / "gunicorn.out").open("wb")
        bin_dir = str(Path(sys.executable).parent)
        self.env = {**env, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
                    "BIND": f"127.0.0.1:{self.port}"}
        if gunicorn_args:
            self.env["GUNICORN_CMD_ARGS"] = gunicorn_args
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        """Start, and return once ``/healthz`` answers 200; ``ServerFailed`` otherwise (stopped then)."""
        if not ENTRYPOINT.exists():
            raise ServerFailed("exited", f"{ENTRYPOINT} is missing", "")
        self.process = subprocess.Popen(["sh", str(ENTRYPOINT)], cwd=ROOT, env=self.env,
                                        stdout=self.output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        probe = requests.Session()
        probe.trust_env = False  # loopback: never through a proxy of the environment
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    raise ServerFailed("exited", f"the entrypoint exited with {code}", self.log_tail(), code)
                try:
                    if probe.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.3)
            self.stop()
            raise ServerFailed("no_health", f"gunicorn did not answer /healthz in {timeout:.0f} s",
                               self.log_tail(), round(timeout))
        finally:
            probe.close()

    def log_tail(self, lines: int = 200) -> str:
        if not self.output.closed:
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

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.output.close()
            return
        self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop of master and workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the process group this object started
            self.process.wait(timeout=10)
        self.output.close()
