"""Rate-limit counters in the database, so every worker process sees the same counts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setpass_rate_limits",
        sa.Column("bucket", sa.String(96), primary_key=True),
        sa.Column("slot", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_setpass_rate_limits_expires_at", "setpass_rate_limits", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_setpass_rate_limits_expires_at", "setpass_rate_limits")
    op.drop_table("setpass_rate_limits")
