"""inspection photos, estimated or actual charges, the season of a style, the Monday digest

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
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
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="contact",
            )
        )
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="UTC",
            )
        )
    op.create_table(
        "digest_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subscribed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brand_id", "channel"),
    )
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_subscription_brand_id"), ["brand_id"], unique=False
        )
    op.create_table(
        "weekly_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("slack_channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("slack_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brand_id", "channel", "week_of"),
    )
    with op.batch_alter_table("weekly_digest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weekly_digest_brand_id"), ["brand_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("weekly_digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weekly_digest_brand_id"))
    op.drop_table("weekly_digest")
    with op.batch_alter_table("digest_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_subscription_brand_id"))
    op.drop_table("digest_subscription")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("timezone")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("style", schema=None) as batch_op:
        batch_op.drop_column("season")
    with op.batch_alter_table("landed_charge", schema=None) as batch_op:
        batch_op.drop_column("stage")
    with op.batch_alter_table("qc_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qc_photo_inspection_id"))
    op.drop_table("qc_photo")
