"""inspection photos, estimated or actual charges, the season of a style

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qc_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["qc_inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("qc_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qc_photo_inspection_id"), ["inspection_id"], unique=False
        )
    with op.batch_alter_table("landed_charge", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "stage",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="actual",
            )
        )
    with op.batch_alter_table("style", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "season",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("style", schema=None) as batch_op:
        batch_op.drop_column("season")
    with op.batch_alter_table("landed_charge", schema=None) as batch_op:
        batch_op.drop_column("stage")
    with op.batch_alter_table("qc_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qc_photo_inspection_id"))
    op.drop_table("qc_photo")
