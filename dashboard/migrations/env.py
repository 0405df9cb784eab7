"""Alembic environment: the app passes a connection; developers pass DATABASE_URL."""

from alembic import context

from dashboard.domain import Base
from dashboard.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
else:
    from dashboard.db import make_engine

    engine = make_engine(load_settings()["DATABASE_URL"])
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
