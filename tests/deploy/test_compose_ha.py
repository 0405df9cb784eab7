"""docker/compose.ha.yaml, the highly available layout, checked without Docker: it parses and its
pieces fit together (Patroni nodes, a PgBouncer each, two app instances behind nginx, Redis).

The app's part of it (host lists, the read database, failover without a restart) runs for real
in tests/ha/test_failover.py, on a primary and standby of the test's own."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

from dashboard.db import make_engine
from dashboard.settings import SETTINGS_BY_NAME
from tests.deploy.test_compose import server_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.ha.yaml"
APPS = ("app1", "app2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolated(value: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "secret", value)


def connect_args(url: str) -> dict:
    engine = make_engine(interpolated(url))
    try:
        return engine.dialect.create_connect_args(engine.url)[1]
    finally:
        engine.dispose()


def bouncer_ini(name: str) -> configparser.ConfigParser:
    ini = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
    ini.read(DOCKER / "ha" / f"pgbouncer-{name}.ini", encoding="utf-8")
    return ini


def test_the_layout_has_its_services(compose):
    services = compose["services"]
    assert set(services) == {"etcd", "pg1", "pg2", "pgbouncer1", "pgbouncer2", *APPS, "escalation",
                             "proxy", "redis"}
    for name, service in services.items():
        build = service.get("build")
        if build:
            assert (DOCKER / build["context"] / build["dockerfile"]).is_file(), name
    assert {services[name]["image"] for name in (*APPS, "escalation")} == {"antifraud-dashboard:latest"}
    assert services["pg1"]["image"] == services["pg2"]["image"] == "antifraud-patroni:latest"
    assert services["proxy"]["image"].startswith("nginx:") and services["redis"]["image"].startswith("redis:")


def test_each_database_node_is_a_patroni_member_with_its_own_volume_and_a_synchronous_standby(compose):
    services = compose["services"]
    volumes = set()
    for name in ("pg1", "pg2"):
        environment = services[name]["environment"]
        assert environment["PATRONI_NAME"] == name
        assert environment["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] == f"{name}:5432"
        assert environment["PATRONI_ETCD3_HOSTS"] == "etcd:2379"
        assert services[name]["depends_on"] == {"etcd": {"condition": "service_healthy"}}
        volumes |= {volume.split(":")[0] for volume in services[name]["volumes"]}
    assert volumes == {"pg1data", "pg2data"} and volumes <= set(compose["volumes"])
    patroni = yaml.safe_load((DOCKER / "ha" / "patroni.yml").read_text(encoding="utf-8"))
    dcs = patroni["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True  # zero acknowledged loss (docs/operations.md)
    assert dcs["postgresql"]["parameters"]["synchronous_commit"] == "on"
    assert dcs["postgresql"]["parameters"]["wal_level"] == "replica"
    assert (DOCKER / "ha" / Path(patroni["bootstrap"]["post_bootstrap"]).name).is_file()


@pytest.mark.parametrize("node", ["pg1", "pg2"])
def test_each_pgbouncer_fronts_one_node_with_a_write_pool_and_a_read_only_pool(compose, node):
    bouncer = compose["services"][f"pgbouncer{node[-1]}"]
    assert bouncer["depends_on"] == {node: {"condition": "service_healthy"}}
    assert f"./ha/pgbouncer-{node}.ini:/etc/pgbouncer/pgbouncer.ini:ro" in bouncer["volumes"]
    ini = bouncer_ini(node)
    databases = ini["databases"]
    assert set(databases) == {"antifraud", "antifraud_read"}
    assert all(f"host={node} port=5432 dbname=antifraud" in databases[name] for name in databases)
    assert "default_transaction_read_only = on" in databases["antifraud_read"]
    assert ini["pgbouncer"]["pool_mode"] == "transaction"
    assert int(ini["pgbouncer"]["max_prepared_statements"]) > 0  # psycopg's prepared statements
    assert ini["pgbouncer"]["listen_port"] == "6432"


def test_the_apps_write_to_whichever_node_is_primary_and_read_from_the_standby(compose):
    services = compose["services"]
    environments = [services[name]["environment"] for name in (*APPS, "escalation")]
    assert all(environment == environments[0] for environment in environments)
    environment = environments[0]
    write = connect_args(environment["DATABASE_URL"])
    assert write["host"] == "pgbouncer1,pgbouncer2" and write["port"] == "6432,6432"
    assert write["target_session_attrs"] == "read-write" and write["dbname"] == "antifraud"
    read = connect_args(environment["READ_DATABASE_URL"])
    assert read["host"] == "pgbouncer2,pgbouncer1"
    assert read["target_session_attrs"] == "prefer-standby" and read["dbname"] == "antifraud_read"
    assert environment["PROXY_HOPS"] == "1"
    assert interpolated(environment["REDIS_URL"]) == "redis://redis:6379/0"
    for name in (*APPS, "escalation"):
        assert set(services[name]["depends_on"]) == {"pgbouncer1", "pgbouncer2", "redis"}
        undocumented = set(services[name]["environment"]) - set(SETTINGS_BY_NAME) - server_settings()
        assert not undocumented, f"{name}: {sorted(undocumented)} not in docs/settings.md"
        for secret in ("SECRET_KEY", "PERSONAL_DATA_KEY", "AUDIT_KEY"):
            assert services[name]["environment"][secret] == f"${{{secret}:?set {secret} in docker/.env}}"
    assert services["escalation"]["command"][:2] == ["antifraud", "escalation-worker"]


def test_nginx_spreads_requests_over_both_app_instances(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"} for name in APPS}
    assert "./ha/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    conf = (DOCKER / "ha" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream antifraud \{(.*?)\}", conf, flags=re.S).group(1)
    assert re.findall(r"server (\w+):8000", upstream) == list(APPS)
    assert "proxy_pass http://antifraud;" in conf
    assert "X-Forwarded-For" in conf and "X-Forwarded-Proto" in conf  # PROXY_HOPS=1 reads them
    assert "non_idempotent" not in conf  # an ingest POST is never sent twice by the proxy


def test_the_layouts_secrets_stay_out_of_git_and_out_of_the_image():
    for path in ("docker/ha/userlist.txt", "docker/ha/tls/"):
        assert path in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        assert path.rstrip("/") in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
