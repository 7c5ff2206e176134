"""scheduled_prompt.kind: a mid-week check-in round beside the weekly one

A factory gets a second, shorter round each week about the orders near their committed
ex-factory date (production/checkin_cadence.py). Each round is still one row, now unique per
factory, week and kind, so the cron job, the hourly sweep, a restart or a second process still
send each round at most once. Every existing row is a weekly round.

The old unique constraint has no name of its own: PostgreSQL named it, SQLite did not (batch
mode recreates the table, and the naming convention names the reflected constraint to drop it).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "scheduled_prompt"
NEW = "uq_scheduled_prompt_round"
OLD_POSTGRESQL = "scheduled_prompt_factory_id_week_of_key"
"""The name PostgreSQL gave the constraint 0001 made; a downgrade restores it by this name."""
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
"""What batch mode calls an unnamed unique constraint it reflected on SQLite."""


def _week_constraint() -> str:
    """The name of the (factory_id, week_of) unique constraint, as this database knows it."""
    for found in sa.inspect(op.get_bind()).get_unique_constraints(TABLE):
        if found["column_names"] == ["factory_id", "week_of"]:
            return found["name"] or NAMING["uq"] % {
                "table_name": TABLE,
                "column_0_name": "factory_id",
            }
    raise RuntimeError(f"{TABLE}: no unique constraint on (factory_id, week_of) to replace")


def upgrade() -> None:
    old = _week_constraint()
    with op.batch_alter_table(TABLE, schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="weekly",
            )
        )
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint(NEW, ["factory_id", "week_of", "kind"])


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM {TABLE} WHERE kind <> 'weekly'"))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.create_unique_constraint(OLD_POSTGRESQL, ["factory_id", "week_of"])
        batch_op.drop_column("kind")
