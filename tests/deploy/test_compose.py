"""docker/compose.yaml, checked without Docker: it parses, its services fit together, and every
environment variable it gives our image is a documented setting."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from dashboard.cli import build_parser
from dashboard.settings import SETTINGS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
SETTINGS_DOC = ROOT / "docs" / "settings.md"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def ours(compose) -> dict[str, dict]:
    """The services that run our image."""
    return {name: service for name, service in compose["services"].items()
            if service.get("image", "").startswith("antifraud-dashboard")}


def server_settings() -> set[str]:
    """The names in the table of gunicorn's settings in docs/settings.md."""
    text = SETTINGS_DOC.read_text(encoding="utf-8").split("## Server settings of the image", 1)[1]
    return set(re.findall(r"^\| `(\w+)` \|", text, flags=re.M))


def test_the_stack_has_its_five_services(compose):
    services = compose["services"]
    assert set(services) == {"app", "escalation", "db", "redis", "simulator"}
    assert set(ours(compose)) == {"app", "escalation", "simulator"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"].startswith("redis:")
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "pgdata" in compose["volumes"]
    assert services["simulator"]["profiles"] == ["simulator"]
    assert all("profiles" not in services[name] for name in ("app", "escalation", "db", "redis"))
    assert services["app"]["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert (COMPOSE.parent / services["app"]["build"]["context"] / "docker" / "Dockerfile").is_file()


def test_the_app_waits_for_healthy_database_and_redis_and_reaches_them_by_service_name(compose):
    services = compose["services"]
    for name in ("app", "escalation"):
        assert services[name]["depends_on"] == {"db": {"condition": "service_healthy"},
                                                "redis": {"condition": "service_healthy"}}
        environment = {key: re.sub(r"\$\{[^}]*\}", "x", value)  # ${VAR:?...} interpolated
                       for key, value in services[name]["environment"].items()}
        assert urlsplit(environment["DATABASE_URL"]).hostname == "db"
        assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
    assert all("healthcheck" in services[name] for name in ("db", "redis"))
    # the simulator posts to 127.0.0.1 only: it lives in the app's network namespace
    assert services["simulator"]["network_mode"] == "service:app"


def test_every_command_is_one_the_cli_accepts(compose):
    parser = build_parser()
    commands = {name: service["command"] for name, service in ours(compose).items() if "command" in service}
    assert set(commands) == {"escalation", "simulator"}
    for command in commands.values():
        assert command[0] == "antifraud"
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown command or option
    assert commands["escalation"][1] == "escalation-worker"
    assert commands["simulator"][1] == "simulate"


def test_every_environment_variable_given_to_our_image_is_documented(compose):
    gunicorn_reads = set(re.findall(r'environ\.get\("(\w+)"',
                                    (ROOT / "docker" / "gunicorn.conf.py").read_text(encoding="utf-8")))
    assert server_settings() == gunicorn_reads  # the table lists exactly what gunicorn reads
    documented = set(SETTINGS_BY_NAME) | server_settings()
    for name, service in ours(compose).items():
        undocumented = set(service["environment"]) - documented
        assert not undocumented, f"{name}: {sorted(undocumented)} not in docs/settings.md"


def test_production_is_not_weakened_by_the_compose_file(compose):
    for name in ("app", "escalation"):
        environment = compose["services"][name]["environment"]
        assert "ANTIFRAUD_ENV" not in environment  # the image's production stays
        assert not {"ESCALATION_IN_PROCESS", "SECURE_COOKIES", "TOTP_REQUIRED_ROLES"} & set(environment)
        for secret in ("SECRET_KEY", "PERSONAL_DATA_KEY", "AUDIT_KEY"):
            assert environment[secret] == f"${{{secret}:?set {secret} in docker/.env}}"


def test_the_secrets_file_stays_out_of_git_and_out_of_the_image():
    ignored_by_docker = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "docker/.env" in ignored_by_docker  # the Dockerfile copies docker/ into the image
    assert "docker/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
