"""Lease webhook outbox rows to one sender at a time, and keep each delivery's last URL and latency.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "paycore_webhook_outbox"
FK = "fk_paycore_webhook_outbox_order_no_ai_write_payment_transaction"


def upgrade() -> None:
    """Add the lease, URL and latency columns, and an index to find each payment's oldest message."""
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("leased_until", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql",
                                                                              "mariadb"), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("url", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("last_latency_ms", sa.Integer(), nullable=True))
    op.create_index("idx_outbox_order_no_id", TABLE, ["order_no", "id"])


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        # InnoDB let the new index serve the foreign key and dropped the key's own; give it back.
        op.drop_constraint(FK, TABLE, type_="foreignkey")
        op.drop_index("idx_outbox_order_no_id", TABLE)
        op.create_foreign_key(FK, TABLE, "ai_write_payment_transaction", ["order_no"], ["order_no"])
    else:
        op.drop_index("idx_outbox_order_no_id", TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("last_latency_ms")
        batch.drop_column("url")
        batch.drop_column("lease_owner")
        batch.drop_column("leased_until")
