"""Alembic environment: always handed a live connection by wipbot.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from wipbot.store.models import load_all

load_all()  # every table on the metadata, for autogenerate

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `wipbot db upgrade`, which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
