"""The history of every webhook delivery attempt: status code, latency, answer snippet or error, and time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "paycore_webhook_attempt"
MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    """Create the attempts table, one row per attempt, unique per (delivery, attempt number)."""
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("attempt_time", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
                  nullable=False),
        sa.Column("url", sa.String(1000), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("snippet", sa.String(200), nullable=False, server_default=""),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("delivery_id", "attempt", name="uk_webhook_attempt_delivery_attempt"),
        sa.ForeignKeyConstraint(["delivery_id"], ["paycore_webhook_outbox.id"],
                                name="fk_paycore_webhook_attempt_delivery_id_paycore_webhook_outbox"),
        **MYSQL,
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table(TABLE)
