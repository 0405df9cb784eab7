"""Settings: declared once, every one documented, environment and overrides applied."""

from pathlib import Path

from dashboard.settings import SETTINGS, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == []


def test_environment_then_override():
    env = {"LIVE_REFRESH_SECONDS": "5", "DATABASE_URL": "sqlite:////tmp/x.db"}
    values = load_settings(environ=env)
    assert values["LIVE_REFRESH_SECONDS"] == 5
    assert values["DATABASE_URL"] == "sqlite:////tmp/x.db"
    assert load_settings({"LIVE_REFRESH_SECONDS": 7}, environ=env)["LIVE_REFRESH_SECONDS"] == 7


def test_default_database_is_sqlite_under_instance():
    values = load_settings(environ={"INSTANCE_PATH": "/srv/af"})
    assert values["DATABASE_URL"] == "sqlite:////srv/af/antifraud.db"


def test_a_setting_with_a_value_it_cannot_take_names_itself(monkeypatch, capsys):
    import pytest

    from dashboard.cli import main
    from dashboard.settings import SettingInvalid

    for name, value in (("LIVE_REFRESH_SECONDS", "ten"), ("REDIS_TIMEOUT_SECONDS", "0,5")):
        with pytest.raises(SettingInvalid, match=name):
            load_settings(environ={name: value})
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "5s")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    assert main(["init-db"]) == 2
    err = capsys.readouterr().err
    assert err == 'antifraud init-db: DATABASE_CONNECT_TIMEOUT: "5s" is not a whole number (e.g. 30)\n'
