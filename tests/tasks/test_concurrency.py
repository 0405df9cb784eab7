"""Two users act on the same task at once: exactly one wins, the other is told who changed it."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.commands.tasks import Cancel, Complete, TaskChanged
from dashboard.domain import Task, TaskEvent, User
from dashboard.domain.tasks import ACKNOWLEDGED, CANCELLED, DONE
from tests.tasks.conftest import NOW


def acknowledged_task(chain, session) -> int:
    task = chain.issue(kind="report_request")
    task.status, task.acknowledged_at = ACKNOWLEDGED, NOW
    session.commit()
    return task.id


def user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def test_complete_then_cancel_of_the_same_version(chain, session, engine):
    task_id = acknowledged_task(chain, session)
    with Session(engine) as officer_db, Session(engine) as commander_db:
        # both open the task page and see version 1
        seen = officer_db.get(Task, task_id).version
        assert commander_db.get(Task, task_id).version == seen == 1
        Complete(user(officer_db, "officer"), task_id, seen, note="已报送").run(officer_db, NOW)
        officer_db.commit()
        try:
            Cancel(user(commander_db, "commander"), task_id, seen).run(commander_db, NOW)
        except TaskChanged as lost:
            message = lost.message("en")
            commander_db.rollback()
        else:
            raise AssertionError("the second update was not refused")
    assert message == ("This task was changed by officer at 2026-03-02 09:30; "
                       "reload it and try again.")
    session.expire_all()
    task = session.get(Task, task_id)
    assert task.status == DONE and task.version == 2
    assert [e.action for e in task.events] == ["issue", "complete"]


def test_complete_and_cancel_race_in_two_threads(chain, session, engine):
    task_id = acknowledged_task(chain, session)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def act(name: str, make) -> None:
        with Session(engine) as db:
            actor = user(db, name)
            version = db.get(Task, task_id).version
            barrier.wait()
            try:
                make(actor, version).run(db, NOW)
                db.commit()
                outcomes[name] = "won"
            except TaskChanged as lost:
                db.rollback()
                outcomes[name] = lost
            except Exception as failed:  # reported by the assertion below
                db.rollback()
                outcomes[name] = failed

    threads = [
        threading.Thread(target=act, args=("officer", lambda a, v: Complete(a, task_id, v))),
        threading.Thread(target=act, args=("commander", lambda a, v: Cancel(a, task_id, v))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    losers = {name: outcome for name, outcome in outcomes.items() if outcome != "won"}
    assert len(winners) == 1, outcomes
    [(loser, error)] = losers.items()
    assert isinstance(error, TaskChanged), error
    assert winners[0] in error.message("en")
    session.expire_all()
    task = session.get(Task, task_id)
    assert task.status == (DONE if winners == ["officer"] else CANCELLED)
    assert task.version == 2
    steps = session.scalar(select(func.count()).select_from(TaskEvent)
                           .where(TaskEvent.task_id == task_id))
    assert steps == 2  # issue + the winner's step: nothing of the loser's was kept
