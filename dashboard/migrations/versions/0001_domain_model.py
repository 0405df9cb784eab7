"""the domain model: units, reference lists, warnings, dissuasions, funds, cases, publicity

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:28:27.398067
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "case_statuses",
        sa.Column("is_solved", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_statuses")),
    )
    op.create_table(
        "channels",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_channels")),
    )
    op.create_table(
        "dissuasion_methods",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dissuasion_methods")),
    )
    op.create_table(
        "dissuasion_results",
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("dissuaded", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dissuasion_results")),
    )
    op.create_table(
        "fraud_types",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_fraud_types")),
    )
    op.create_table(
        "org_levels",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_org_levels")),
    )
    op.create_table(
        "outcomes",
        sa.Column("dissuaded", sa.Boolean(), nullable=False),
        sa.Column("defrauded", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_outcomes")),
    )
    op.create_table(
        "publicity_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_publicity_kinds")),
    )
    op.create_table(
        "risk_levels",
        sa.Column("response_minutes", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_risk_levels")),
    )
    op.create_table(
        "warning_statuses",
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warning_statuses")),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=True),
        sa.Column("centroid_lon", sa.Float(), nullable=True),
        sa.Column("centroid_lat", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["level"], ["org_levels.code"], name=op.f("fk_org_units_level_org_levels")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_units_path"), ["path"], unique=False)

    op.create_table(
        "publicity_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["org_units.id"], name=op.f("fk_publicity_events_county_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["kind"],
            ["publicity_kinds.code"],
            name=op.f("fk_publicity_events_kind_publicity_kinds"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_publicity_events_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_events")),
    )
    with op.batch_alter_table("publicity_events", schema=None) as batch_op:
        batch_op.create_index("ix_publicity_events_unit_day", ["unit_id", "day"], unique=False)

    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("fraud_type", sa.String(length=40), nullable=False),
        sa.Column("risk_level", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("person_name", sa.String(length=80), nullable=True),
        sa.Column("person_phone", sa.String(length=255), nullable=True),
        sa.Column("person_id_number", sa.String(length=255), nullable=True),
        sa.Column("person_bank_account", sa.String(length=255), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("dispatched_county_at", sa.DateTime(), nullable=True),
        sa.Column("dispatched_station_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.Column("first_contact_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("amount_at_risk", sa.BigInteger(), nullable=False),
        sa.Column("loss", sa.BigInteger(), nullable=False),
        sa.Column("loss_avoided", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel"], ["channels.code"], name=op.f("fk_warnings_channel_channels")
        ),
        sa.ForeignKeyConstraint(
            ["county_id"], ["org_units.id"], name=op.f("fk_warnings_county_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["fraud_type"], ["fraud_types.code"], name=op.f("fk_warnings_fraud_type_fraud_types")
        ),
        sa.ForeignKeyConstraint(
            ["outcome"], ["outcomes.code"], name=op.f("fk_warnings_outcome_outcomes")
        ),
        sa.ForeignKeyConstraint(
            ["risk_level"], ["risk_levels.code"], name=op.f("fk_warnings_risk_level_risk_levels")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["org_units.id"], name=op.f("fk_warnings_station_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["status"], ["warning_statuses.code"], name=op.f("fk_warnings_status_warning_statuses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warnings_received_at"), ["received_at"], unique=False)
        batch_op.create_index(
            "ix_warnings_station_received", ["station_id", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_warnings_open",
            ["station_id", "deadline_at"],
            unique=False,
            sqlite_where=sa.text("status <> 'closed'"),
            postgresql_where=sa.text("status <> 'closed'"),
        )
        batch_op.create_index(
            "uq_warnings_source_external_id", ["source", "external_id"], unique=True
        )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("fraud_type", sa.String(length=40), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("loss", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("solved_at", sa.DateTime(), nullable=True),
        sa.Column("suspects_arrested", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["org_units.id"], name=op.f("fk_cases_county_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["fraud_type"], ["fraud_types.code"], name=op.f("fk_cases_fraud_type_fraud_types")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["org_units.id"], name=op.f("fk_cases_station_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["status"], ["case_statuses.code"], name=op.f("fk_cases_status_case_statuses")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_cases_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_cases_number")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_reported_at"), ["reported_at"], unique=False)
        batch_op.create_index(
            "ix_cases_station_reported", ["station_id", "reported_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cases_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "dissuasions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["method"],
            ["dissuasion_methods.code"],
            name=op.f("fk_dissuasions_method_dissuasion_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["result"],
            ["dissuasion_results.code"],
            name=op.f("fk_dissuasions_result_dissuasion_results"),
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_dissuasions_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dissuasions")),
    )
    with op.batch_alter_table("dissuasions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dissuasions_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "stop_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("bank", sa.String(length=80), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_amount", sa.BigInteger(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=True),
        sa.Column("frozen_amount", sa.BigInteger(), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("returned_amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stop_payments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["county_id"], ["org_units.id"], name=op.f("fk_stop_payments_county_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["org_units.id"], name=op.f("fk_stop_payments_station_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_stop_payments_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stop_payments")),
    )
    with op.batch_alter_table("stop_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stop_payments_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_stop_payments_station_requested", ["station_id", "requested_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stop_payments_warning_id"), ["warning_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("stop_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stop_payments_warning_id"))
        batch_op.drop_index("ix_stop_payments_station_requested")
        batch_op.drop_index(batch_op.f("ix_stop_payments_case_id"))

    op.drop_table("stop_payments")
    with op.batch_alter_table("dissuasions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dissuasions_warning_id"))

    op.drop_table("dissuasions")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_warning_id"))
        batch_op.drop_index("ix_cases_station_reported")
        batch_op.drop_index(batch_op.f("ix_cases_reported_at"))

    op.drop_table("cases")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("uq_warnings_source_external_id")
        batch_op.drop_index("ix_warnings_open")
        batch_op.drop_index("ix_warnings_station_received")
        batch_op.drop_index(batch_op.f("ix_warnings_received_at"))

    op.drop_table("warnings")
    with op.batch_alter_table("publicity_events", schema=None) as batch_op:
        batch_op.drop_index("ix_publicity_events_unit_day")

    op.drop_table("publicity_events")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_path"))
        batch_op.drop_index(batch_op.f("ix_org_units_parent_id"))

    op.drop_table("org_units")
    op.drop_table("warning_statuses")
    op.drop_table("risk_levels")
    op.drop_table("publicity_kinds")
    op.drop_table("outcomes")
    op.drop_table("org_levels")
    op.drop_table("fraud_types")
    op.drop_table("dissuasion_results")
    op.drop_table("dissuasion_methods")
    op.drop_table("channels")
    op.drop_table("case_statuses")
