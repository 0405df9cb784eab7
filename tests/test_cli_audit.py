"""``antifraud audit checkpoint`` and ``antifraud audit verify`` against the checkpoints."""

from __future__ import annotations

import io

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashboard.cli import main
from dashboard.domain import AuditEntry

PASSWORD = "Wuyuan-bay-2026!"


def make_auditors(monkeypatch, n: int) -> None:
    for i in range(n):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert main(["create-user", "--password-stdin", "--username", f"aud{i}",
                     "--role", "auditor"]) == 0


def test_a_rewound_trail_fails_verification_naming_the_first_missing_entry(
        cli_database, monkeypatch, capsys, tmp_path):
    checkpoints = tmp_path / "checkpoints.log"
    make_auditors(monkeypatch, 3)
    assert main(["audit", "checkpoint", "--checkpoints", str(checkpoints)]) == 0
    assert main(["audit", "verify", "--checkpoints", str(checkpoints)]) == 0
    assert "3 entries, 1 checkpoints agree" in capsys.readouterr().out
    with cli_database.begin() as conn:  # the database's owner removes the newest and rewinds
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text("DELETE FROM audit_entries WHERE id = 3"))
        head = conn.scalar(text("SELECT hash FROM audit_entries WHERE id = 2"))
        conn.execute(text("UPDATE audit_head SET last_id = 2, last_hash = :h"), {"h": head})
    assert main(["audit", "verify", "--checkpoints", str(checkpoints)]) == 1
    err = capsys.readouterr().err
    assert "entries 3 to 3 are missing" in err and "the first entry that disagrees is 3" in err


def test_production_refuses_to_pass_without_checkpoints(cli_database, monkeypatch, capsys,
                                                        tmp_path):
    make_auditors(monkeypatch, 1)
    missing = tmp_path / "none.log"
    assert main(["audit", "verify", "--checkpoints", str(missing)]) == 0
    assert "no checkpoint file" in capsys.readouterr().err
    monkeypatch.setenv("ANTIFRAUD_ENV", "production")
    assert main(["audit", "verify", "--checkpoints", str(missing)]) == 1


def test_a_forged_checkpoint_fails_verification(cli_database, monkeypatch, capsys, tmp_path):
    checkpoints = tmp_path / "checkpoints.log"
    make_auditors(monkeypatch, 1)
    main(["audit", "checkpoint", "--checkpoints", str(checkpoints)])
    checkpoints.write_text(checkpoints.read_text().replace('"last_id":1', '"last_id":0'))
    assert main(["audit", "verify", "--checkpoints", str(checkpoints)]) == 1
    assert "checkpoint line 1" in capsys.readouterr().err
    with Session(cli_database) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1
