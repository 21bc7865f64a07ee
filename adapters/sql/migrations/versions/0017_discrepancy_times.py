"""The two sides' times of a reconciliation discrepancy: the bill's time of the row (provider_time) and paycore's
paid or refund-settled time (local_time), both UTC, null where that side has none.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DISCREPANCIES = "paycore_reconciliation_discrepancy"


def _time(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"), nullable=True)


def upgrade() -> None:
    """provider_time and local_time, nullable (the discrepancies found before have neither)."""
    with op.batch_alter_table(DISCREPANCIES) as batch:
        batch.add_column(_time("provider_time"))
        batch.add_column(_time("local_time"))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table(DISCREPANCIES) as batch:
        batch.drop_column("local_time")
        batch.drop_column("provider_time")
