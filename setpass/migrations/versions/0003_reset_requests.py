"""Reset form submissions: the visitor's PIN (hashed) under a single-use reference.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setpass_reset_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("used_by", sa.String(64), nullable=True),
    )
    op.create_index(
        "ix_setpass_reset_requests_expires_at", "setpass_reset_requests", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_setpass_reset_requests_expires_at", "setpass_reset_requests")
    op.drop_table("setpass_reset_requests")
