"""Keep every provider notification raw, duplicates and rejects included.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the notification log."""
    op.create_table(
        "paycore_notification_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("payment_type", sa.String(20), nullable=False),
        sa.Column("config_id", sa.BigInteger(), nullable=True),
        sa.Column("order_no", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_time", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
                  nullable=False),
        mysql_engine="InnoDB", mysql_charset="utf8mb4", mysql_collate="utf8mb4_bin",
    )
    op.create_index("idx_notification_order_no", "paycore_notification_log", ["order_no"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("idx_notification_order_no", "paycore_notification_log")
    op.drop_table("paycore_notification_log")
