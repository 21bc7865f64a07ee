"""Schedule and lease the compensation jobs: provider queries of unpaid payments and processing refunds,
expiry closes, and the one expiry reminder of each payment.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYMENTS = "ai_write_payment_transaction"
REFUNDS = "paycore_refund"


def _datetime() -> sa.types.TypeEngine[Any]:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _schedule_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("next_sync_time", _datetime(), nullable=True),
        sa.Column("sync_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sync_leased_until", _datetime(), nullable=True),
        sa.Column("sync_lease_owner", sa.String(64), nullable=True),
    ]


def upgrade() -> None:
    """Add the schedule and lease columns, the reminder marker, and indexes to find due rows."""
    with op.batch_alter_table(PAYMENTS) as batch:
        for column in _schedule_columns():
            batch.add_column(column)
        batch.add_column(sa.Column("expiry_reminded_time", _datetime(), nullable=True))
    op.create_index("idx_trade_status_expire_time", PAYMENTS, ["trade_status", "expire_time"])
    with op.batch_alter_table(REFUNDS) as batch:
        for column in _schedule_columns():
            batch.add_column(column)
    op.create_index("idx_refund_status_create_time", REFUNDS, ["status", "create_time"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("idx_refund_status_create_time", REFUNDS)
    with op.batch_alter_table(REFUNDS) as batch:
        for name in ("sync_lease_owner", "sync_leased_until", "sync_attempts", "next_sync_time"):
            batch.drop_column(name)
    op.drop_index("idx_trade_status_expire_time", PAYMENTS)
    with op.batch_alter_table(PAYMENTS) as batch:
        for name in ("expiry_reminded_time", "sync_lease_owner", "sync_leased_until", "sync_attempts",
                     "next_sync_time"):
            batch.drop_column(name)
