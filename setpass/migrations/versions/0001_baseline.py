"""Baseline: the registrations table exactly as `create_all` made it before migrations.

A database made by that release has this table and no `alembic_version`; `setpass.schema`
stamps it with this revision instead of creating it again.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setpass_registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_setpass_registrations_updated_at", "setpass_registrations", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_setpass_registrations_updated_at", "setpass_registrations")
    op.drop_table("setpass_registrations")
