"""tasks down the chain: task kinds and priorities, tasks, their timeline, job leases

Kinds and priorities are reference lists (``data/reference/task_kinds.csv``,
``task_priorities.csv``), loaded by ``antifraud init-db`` like the others.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _reference_columns() -> list[sa.Column]:
    return [
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
    ]


def _unit_fk(column: str, table: str = "tasks") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["org_units.id"],
                                   name=op.f(f"fk_{table}_{column}_org_units"))


def _user_fk(column: str, table: str = "tasks") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"))


def upgrade() -> None:
    op.create_table(
        "task_kinds",
        sa.Column("records_reached", sa.Boolean(), nullable=False),
        sa.Column("records_loss_avoided", sa.Boolean(), nullable=False),
        sa.Column("records_people_reached", sa.Boolean(), nullable=False),
        *_reference_columns(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_task_kinds")),
    )
    op.create_table(
        "task_priorities",
        *_reference_columns(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_task_priorities")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("issuing_unit_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("target_unit_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ack_deadline_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_for", sa.String(length=20), nullable=True),
        sa.Column("result_reached", sa.Boolean(), nullable=True),
        sa.Column("result_loss_avoided", sa.BigInteger(), nullable=True),
        sa.Column("result_people_reached", sa.Integer(), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kind"], ["task_kinds.code"], name=op.f("fk_tasks_kind_task_kinds")),
        sa.ForeignKeyConstraint(["priority"], ["task_priorities.code"],
                                name=op.f("fk_tasks_priority_task_priorities")),
        _unit_fk("issuing_unit_id"),
        _unit_fk("target_unit_id"),
        _user_fk("issued_by_id"),
        _user_fk("assignee_id"),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"],
                                name=op.f("fk_tasks_warning_id_warnings")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases")),
        sa.ForeignKeyConstraint(["parent_id"], ["tasks.id"], name=op.f("fk_tasks_parent_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_target_status", "tasks", ["target_unit_id", "status"])
    op.create_index("ix_tasks_issuing_status", "tasks", ["issuing_unit_id", "status"])
    op.create_index("ix_tasks_status_deadline", "tasks", ["status", "deadline_at"])
    for column in ("assignee_id", "warning_id", "case_id", "parent_id", "created_at"):
        op.create_index(op.f(f"ix_tasks_{column}"), "tasks", [column])

    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_task_events_task_id_tasks")),
        _user_fk("actor_id", "task_events"),
        _unit_fk("unit_id", "task_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_events")),
    )
    op.create_index(op.f("ix_task_events_task_id"), "task_events", ["task_id"])

    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_index(op.f("ix_task_events_task_id"), table_name="task_events")
    op.drop_table("task_events")
    for column in ("assignee_id", "warning_id", "case_id", "parent_id", "created_at"):
        op.drop_index(op.f(f"ix_tasks_{column}"), table_name="tasks")
    op.drop_index("ix_tasks_status_deadline", table_name="tasks")
    op.drop_index("ix_tasks_issuing_status", table_name="tasks")
    op.drop_index("ix_tasks_target_status", table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("task_priorities")
    op.drop_table("task_kinds")
