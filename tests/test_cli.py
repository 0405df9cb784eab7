"""The antifraud command line: clear one-line errors with exit code 2, never a traceback."""

import pytest

from dashboard import migrate
from dashboard.cli import main
from dashboard.db import make_engine


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_unreachable_database_is_one_line_with_the_password_hidden(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://officer:s3cret@127.0.0.1:1/antifraud")
    code = main(["init-db"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "s3cret" not in err and "***" in err
    assert "127.0.0.1:1/antifraud" in err and "unreachable" in err


def test_init_db_then_seed_then_refuse_without_force(sqlite_url, capsys):
    assert main(["init-db"]) == 0
    assert migrate.is_current(make_engine(sqlite_url))
    assert main(["seed-demo", "--days", "3", "--daily-warnings", "20",
                 "--end", "2026-05-01T12:00+08:00"]) == 0
    out = capsys.readouterr().out
    assert "seeded 3 days in" in out and "warnings" in out and "org_units" in out
    assert main(["seed-demo", "--days", "3"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["seed-demo", "--days", "3", "--daily-warnings", "20", "--force"]) == 0


@pytest.mark.parametrize(("args", "field"), [
    (["seed-demo", "--days", "0"], "--days"),
    (["seed-demo", "--end", "yesterday"], "--end"),
])
def test_bad_values_name_the_field(sqlite_url, capsys, args, field):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err


def test_a_terminated_command_runs_its_clean_up_and_restores_the_handler():
    import os
    import signal

    from dashboard.cli.common import stop_cleanly_on_sigterm

    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(SystemExit) as stopped:
        with stop_cleanly_on_sigterm():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            finally:
                cleaned.append("schema dropped")
    assert stopped.value.code == 143
    assert cleaned == ["schema dropped"]
    assert signal.getsignal(signal.SIGTERM) is before
