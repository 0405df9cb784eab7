"""No traceback reaches a person: every command, under every fault a deployment meets, says one
line naming the problem and exits 2 (``dashboard/cli/faults.py``).

Faults: a ``DATABASE_URL`` the product cannot use, a database that cannot be
reached, one that refuses writes (a standby, a read-only user), no standard
input where a command reads it, a file that cannot be written.  The line
never holds a statement's parameters (a password hash, a token hash).
"""

from __future__ import annotations

import io
import os

import pytest

from dashboard.cli import build_parser, main
from dashboard.i18n import translate
from dashboard.settings import load_settings

UNITS_CSV = "code,name_zh,name_en,level,parent_code\n350200,市局,City,city,\n"
WARNINGS_CSV = ("external_id,received_at,channel,fraud_type,risk_level\n"
                "W-1,2026-12-01T09:00:00+08:00,phone,impersonation,high\n")
SHAPES = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "350203"},'
          ' "geometry": {"type": "Polygon", "coordinates": [[[118.0, 24.4], [118.1, 24.4], [118.1, 24.5],'
          ' [118.0, 24.4]]]}}]}')
# a command line that reaches the database, for every command that uses DATABASE_URL
ARGV = {
    "init-db": [], "seed-demo": ["--days", "2"], "serve": [], "demo": ["--no-simulate"],
    "create-user": ["--username", "cmd1", "--password-stdin"], "audit": ["verify"],
    "import-units": ["{units}"], "import-boundaries": ["{shapes}", "--level", "county"],
    "create-token": ["--source", "upstream"], "revoke-token": ["--id", "1"], "list-tokens": [],
    "import": ["{warnings}", "--kind", "warnings", "--source", "upstream"], "escalate": [], "escalation-worker": [],
    "backup": ["--output", "{tmp}/b.tar"], "restore": ["{archive}"], "simulate": ["--minutes", "0.01"],
    "stats": ["--unit", "350200", "--from", "2026-10-01", "--to", "2026-10-31"],
    "create-stats-token": ["--username", "press"],
    "archive": ["--before", "2026-01-01", "--output", "{tmp}/archive"],
}
OWN_DATABASES = {"bench", "loadtest"}  # they build and drop their own databases
SECRETS = ("$argon2", "afd_", "afs_", "[SQL", "[parameters", "Traceback", "INSERT", "UPDATE ")


def test_every_command_is_walked():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert commands - OWN_DATABASES == set(ARGV)


def _argv(name, tmp_path):
    (tmp_path / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (tmp_path / "warnings.csv").write_text(WARNINGS_CSV, encoding="utf-8")
    (tmp_path / "archive.tar").write_bytes(b"not an archive")
    (tmp_path / "shapes.geojson").write_text(SHAPES, encoding="utf-8")
    fill = {"shapes": tmp_path / "shapes.geojson", "units": tmp_path / "units.csv", "warnings": tmp_path / "warnings.csv",
            "archive": tmp_path / "archive.tar", "tmp": tmp_path}
    return [name, *(a.format(**fill) for a in ARGV[name])]


def _one_line(capsys, name) -> str:
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1, err
    assert err.startswith(f"antifraud {name}:"), err
    assert not any(secret in err for secret in SECRETS), err
    return err


@pytest.mark.parametrize("url", ["postgres://antifraud@127.0.0.1:5432/antifraud",
                                 "mysql://antifraud@127.0.0.1/antifraud", "not-a-url",
                                 "postgresql+psycopg2://antifraud@127.0.0.1/antifraud"])
@pytest.mark.parametrize("name", sorted(ARGV))
def test_a_database_url_the_product_cannot_use(name, url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(_argv(name, tmp_path)) == 2
    assert "DATABASE_URL" in _one_line(capsys, name)


@pytest.mark.parametrize("name", sorted(ARGV))
def test_an_unreachable_database(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://antifraud:secret-pw@127.0.0.1:9/antifraud")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(_argv(name, tmp_path)) == 2
    assert "secret-pw" not in _one_line(capsys, name)


# commands that would run on for good against a database that only reads (a standby serves)
RUN_ON = {"serve", "escalation-worker"}
# commands whose first change is refused by a database that only reads
WRITES = {"create-token", "create-user", "demo", "escalate", "import", "import-units", "seed-demo"}


@pytest.mark.parametrize("name", sorted(set(ARGV) - RUN_ON))
def test_a_database_that_refuses_writes(name, cli_database, tmp_path, monkeypatch, capsys):
    path = cli_database.url.database
    cli_database.dispose()
    os.chmod(path, 0o444)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    monkeypatch.setattr("sys.stdin", io.StringIO("Wuyuan-bay-2026!\n"))
    code = main(_argv(name, tmp_path))
    if name in WRITES:
        assert code == 2
        lang = load_settings()["DEFAULT_LANGUAGE"]
        assert _one_line(capsys, name).endswith(translate("cli.fault.read_only", lang))
    elif code != 0:  # commands that only read may succeed; any refusal is one line and exit 2
        assert code == 2
        _one_line(capsys, name)


def test_no_standard_input_where_a_command_reads_it(cli_database, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["create-user", "--username", "cmd1", "--password-stdin"]) == 2
    _one_line(capsys, "create-user")


def test_an_unexpected_error_names_an_incident_and_keeps_the_traceback_out_of_sight(
        cli_database, tmp_path, monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("dashboard.ingest.tokens.create_token", broken)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    assert main(["create-token", "--source", "upstream"]) == 2
    err = _one_line(capsys, "create-token")
    assert "ZeroDivisionError" in err and "boom" not in err
    [incident] = (tmp_path / "incidents").iterdir()
    assert "Traceback" in incident.read_text() and incident.name in err


@pytest.mark.parametrize("name", ["create-token", "create-user", "import-units"])
def test_a_postgresql_standby_that_refuses_writes(name, engine, tmp_path, monkeypatch, capsys):
    if engine.dialect.name != "postgresql":
        pytest.skip("the SQLite case is test_a_database_that_refuses_writes")
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20"))
    monkeypatch.setattr("sys.stdin", io.StringIO("Wuyuan-bay-2026!\n"))
    assert main(_argv(name, tmp_path)) == 2
    lang = load_settings()["DEFAULT_LANGUAGE"]
    assert _one_line(capsys, name).endswith(translate("cli.fault.read_only", lang))
