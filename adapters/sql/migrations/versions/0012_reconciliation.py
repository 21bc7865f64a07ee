"""Reconciliation (对账): runs, discrepancies, and the staging table bills are loaded into.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
RUNS, DISCREPANCIES, STAGING = "paycore_reconciliation_run", "paycore_reconciliation_discrepancy", "paycore_bill_staging"


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True)


def _money(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.Numeric(12, 2).with_variant(sa.String(16), "sqlite"), nullable=False, **kw)


def _time(name: str, nullable: bool) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=nullable)


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        RUNS, _id(),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("payment_type", sa.String(20), nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("config_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in ("bill_rows", "payments")),
        _money("payment_amount", server_default="0.00"),
        sa.Column("refunds", sa.Integer(), nullable=False, server_default="0"),
        _money("refund_amount", server_default="0.00"), _money("fees", server_default="0.00"),
        sa.Column("discrepancies", sa.Integer(), nullable=False, server_default="0"),
        _time("started_at", nullable=False), _time("finished_at", nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        **MYSQL,
    )
    op.create_index("ix_paycore_reconciliation_run_day", RUNS, ["bill_date", "payment_type"])
    op.create_table(
        DISCREPANCIES, _id(),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("refund_no", sa.String(64), nullable=False, server_default=""),
        sa.Column("provider_value", sa.String(64), nullable=True),
        sa.Column("local_value", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(32), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        _time("acknowledged_at", nullable=True), _time("create_time", nullable=False),
        **MYSQL,
    )
    op.create_index("ix_paycore_reconciliation_discrepancy_run", DISCREPANCIES, ["run_id", "kind"])
    op.create_index("ix_paycore_reconciliation_discrepancy_status", DISCREPANCIES, ["status"])
    op.create_table(
        STAGING, _id(),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("provider_trade_no", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("refund_no", sa.String(64), nullable=False, server_default=""),
        _money("amount"), _money("fee"),
        sa.Column("status", sa.String(20), nullable=False),
        _time("bill_time", nullable=False),
        **MYSQL,
    )
    op.create_index("ix_paycore_bill_staging_order", STAGING, ["run_id", "order_no"])
    op.create_index("ix_paycore_bill_staging_refund", STAGING, ["run_id", "refund_no"])


def downgrade() -> None:
    """Drop them."""
    for table in (STAGING, DISCREPANCIES, RUNS):
        op.drop_table(table)
