"""What can be checked of the production image without Docker: files, settings, gunicorn."""

import gc
import re
import subprocess
from pathlib import Path

from gunicorn.config import Config

from dashboard.settings import SETTINGS_BY_NAME

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
RUNTIME_VARS = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}  # Python's own, not ours


def instructions():
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            yield keyword.upper(), rest.strip()


def test_dockerfile_shape():
    steps = list(instructions())
    keywords = [k for k, _ in steps]
    # bookworm: its postgresql-client is 15, the server compose.yaml runs
    assert steps[0] == ("FROM", "python:3.11-slim-bookworm")
    user = [rest for k, rest in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert any("healthz" in rest for k, rest in steps if k == "HEALTHCHECK")
    assert "ENTRYPOINT" in keywords
    for keyword, rest in steps:
        if keyword == "COPY":
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    apt = " ".join(rest for k, rest in steps if k == "RUN")
    assert "fonts-noto-cjk" in apt and "chromium" in apt


def test_every_environment_variable_is_a_documented_setting():
    names = set()
    for keyword, rest in instructions():
        if keyword == "ENV":
            names |= set(re.findall(r"(\w+)=", rest))
    assert names - RUNTIME_VARS <= set(SETTINGS_BY_NAME)
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in docs for name in names - RUNTIME_VARS)


def test_gunicorn_config_loads_with_several_workers(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    config = Config()
    namespace = {}
    exec(compile((ROOT / "docker" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)
    assert config.workers == 4 and config.worker_class_str == "gthread"
    assert config.bind == ["0.0.0.0:8000"]
    # each worker settles its heap once its app is built (dashboard/web/heap.py)
    try:
        config.post_worker_init(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_entrypoint_is_valid_shell_and_migrates_first():
    entrypoint = ROOT / "docker" / "entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111
    assert subprocess.run(["sh", "-n", str(entrypoint)]).returncode == 0
    body = entrypoint.read_text()
    assert body.index("antifraud init-db") < body.index("exec gunicorn")
