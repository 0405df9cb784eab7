"""The production entry point for the deployment tests, knowing which worker answered each request.

``GunicornServer`` is ``dashboard.bench.server.GunicornServer`` (``docker/entrypoint.sh``
with the environment a container would get) plus probes: every request carries
an ``X-Probe`` header, and gunicorn's access log (format ``<worker pid> <probe>
<status>``) maps probes to worker pids.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import requests

from dashboard.bench import server

ACCESS_FORMAT = "%(p)s %({x-probe}i)s %(s)s"  # "<pid> probe status"


class GunicornServer(server.GunicornServer):
    """``sh docker/entrypoint.sh`` with ``env``; ``request`` answers (response, worker pid)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.access_log = workdir / "access.log"
        super().__init__(env, workdir, gunicorn_args=f"--access-logfile {self.access_log} "
                                                     f"--access-logformat '{ACCESS_FORMAT}'")
        self._pids: dict[str, int] = {}

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
