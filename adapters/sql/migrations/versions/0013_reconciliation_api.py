"""Reconciliation for operators: what each run compared on paycore's side (local records and amount, rows matched)
and the daily schedule the workers share (one row per bill date: leased by one worker, retried while a bill is not
ready, then done or recorded as having no bill).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
RUNS, SCHEDULE = "paycore_reconciliation_run", "paycore_reconciliation_schedule"
DISCREPANCIES = "paycore_reconciliation_discrepancy"


def _time(name: str, nullable: bool) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=nullable)


def upgrade() -> None:
    """Three columns on the runs, the provider's trade number on the discrepancies; the schedule table."""
    with op.batch_alter_table(RUNS) as batch:
        batch.add_column(sa.Column("local_records", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("matched", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("local_amount", sa.Numeric(12, 2).with_variant(sa.String(16), "sqlite"),
                                   nullable=False, server_default="0.00"))
    with op.batch_alter_table(DISCREPANCIES) as batch:
        batch.add_column(sa.Column("trade_no", sa.String(64), nullable=True))
    op.create_table(
        SCHEDULE,
        sa.Column("bill_date", sa.Date(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),  # pending, done, no_bill
        sa.Column("waiting", sa.String(2000), nullable=False, server_default=""),  # accounts whose bill is not out
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        _time("next_attempt_time", False),
        _time("leased_until", True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        _time("update_time", False),
        **MYSQL,
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table(SCHEDULE)
    with op.batch_alter_table(DISCREPANCIES) as batch:
        batch.drop_column("trade_no")
    with op.batch_alter_table(RUNS) as batch:
        batch.drop_column("local_amount")
        batch.drop_column("matched")
        batch.drop_column("local_records")
