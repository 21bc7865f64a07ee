"""Refund outcomes: the provider's code and message of a refused refund, and the marker of a refund
flagged for operators after PAYCORE_REFUND_ATTENTION_HOURS unsettled.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUNDS = "paycore_refund"


def _datetime() -> sa.types.TypeEngine[Any]:
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    """Add failure_code, failure_message and attention_time to the refunds."""
    with op.batch_alter_table(REFUNDS) as batch:
        batch.add_column(sa.Column("failure_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("failure_message", sa.String(512), nullable=True))
        batch.add_column(sa.Column("attention_time", _datetime(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table(REFUNDS) as batch:
        for name in ("attention_time", "failure_message", "failure_code"):
            batch.drop_column(name)
