"""A stand-in for ``docker compose`` that runs the README's deployment steps on this machine.

Installed as ``docker`` first on PATH by ``test_deployment_steps.py``.  What
runs inside our image runs here instead, with the environment the compose
file and ``docker/.env`` would give the container (production, its secrets),
but the test's database (``SHIM_DATABASE_URL``) and container paths mapped
to folders of the test (``/app/instance`` -> ``SHIM_INSTANCE``, ``run -v``
mounts to their host folders).  Docker's own work (building, starting,
stopping containers) is only written to the log ``SHIM_LOG``; ``up`` runs
the image's migration step (``antifraud init-db``, as its entrypoint does)
and serves nothing: serving is ``test_workers.py``'s part.  ``exec db
dropdb/createdb`` empties the test's database.  Anything else is refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DOCKER_ITSELF = {"build", "stop", "start", "ps", "logs", "pull", "down"}


def fail(message: str) -> None:
    print(f"docker shim: {message}", file=sys.stderr)
    sys.exit(97)


def log(line: str) -> None:
    with open(os.environ["SHIM_LOG"], "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if op == ":?":
            fail(f"required variable {name} is missing: {rest}")
        return rest if op == ":-" else ""
    return re.sub(r"\$\{(\w+)(?:(:[?-])([^}]*))?\}", one, str(value))


def container_environment(compose_dir: Path, service: str) -> dict[str, str]:
    """The Dockerfile's ENV, then the service's environment from compose.yaml and docker/.env."""
    spec = yaml.safe_load((compose_dir / "compose.yaml").read_text(encoding="utf-8"))["services"][service]
    variables = {**dotenv(compose_dir / ".env"), **os.environ}
    dockerfile = (compose_dir / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    for line in dockerfile.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    env.update({key: interpolate(value, variables) for key, value in spec.get("environment", {}).items()})
    env["DATABASE_URL"] = os.environ["SHIM_DATABASE_URL"]
    env.pop("REDIS_URL", None)  # the commands here do not use it
    env["INSTANCE_PATH"] = os.environ["SHIM_INSTANCE"]
    return env


def mapped(arg: str, mounts: dict[str, str]) -> str:
    for inside, outside in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if arg == inside or arg.startswith(inside + "/"):
            return outside + arg[len(inside):]
    return arg


def run_in_app(compose_dir: Path, command: list[str], mounts: dict[str, str]) -> int:
    env = container_environment(compose_dir, "app")
    log("app: " + " ".join(command))
    return subprocess.run([mapped(arg, mounts) for arg in command], env=env).returncode


def reset_database(command: list[str]) -> int:
    from sqlalchemy import text

    from dashboard.db import make_engine

    url = os.environ["SHIM_DATABASE_URL"]
    log("db: " + " ".join(command))
    if url.startswith("sqlite:///"):
        if command[0] == "dropdb":
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return 0
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = make_engine(os.environ["SHIM_ADMIN_URL"]).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if command[0] == "dropdb"
                          else f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return 0


def compose(args: list[str]) -> int:
    compose_dir = Path.cwd()
    while args and args[0] in ("-f", "--file", "--profile"):
        if args[0] != "--profile":
            compose_dir = Path(args[1]).resolve().parent
        args = args[2:]
    sub, args = args[0], args[1:]
    mounts = {"/app/instance": os.environ["SHIM_INSTANCE"]}
    if sub in DOCKER_ITSELF:
        log(f"docker itself: {sub} {' '.join(args)}")
        return 0
    if sub == "up":
        log(f"docker itself: up {' '.join(args)}; entrypoint's migration step only")
        return run_in_app(compose_dir, ["antifraud", "init-db"], mounts)
    if sub == "cp":
        source, target = (mapped(a.split(":", 1)[1], mounts) if a.startswith("app:") else a for a in args)
        log(f"cp {source} {target}")
        shutil.copyfile(source, target)
        return 0
    entrypoint = None
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag in ("--entrypoint", "-v", "--volume"):
            value = args.pop(0)
            if flag == "--entrypoint":
                entrypoint = value
            else:
                host, inside = value.split(":")[:2]
                mounts[inside] = str(Path(host).resolve())
        elif flag not in ("-T", "--rm"):
            fail(f"unknown option {flag}")
    service, command = args[0], args[1:]
    if service == "db" and sub == "exec" and command[:1] in (["dropdb"], ["createdb"]):
        return reset_database(command)
    if service != "app" or sub not in ("exec", "run"):
        fail(f"no stand-in for: compose {sub} {service}")
    if sub == "run" and entrypoint is None:  # the image's entrypoint: migrate, then the command
        code = run_in_app(compose_dir, ["antifraud", "init-db"], mounts)
        if code:
            return code
    return run_in_app(compose_dir, ([entrypoint] if entrypoint else []) + command, mounts)


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "compose":
        fail(f"only `docker compose` has a stand-in, not `docker {' '.join(argv[:1])}`")
    return compose(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
