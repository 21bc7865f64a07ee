"""Payment attempts (issue 15): a payment whose payer chooses the method keeps its choices (pay_methods) and the
attempts made at the providers (attempts, JSON), each attempt after the first known to its provider by its own
order number, found again through paycore_payment_attempt; a refund names the attempt it refunds (out_trade_no)
and whether it is paycore's own refund of a duplicate payment.

Payments made before keep attempts NULL: their one attempt is the payment itself (read so by the adapter).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYMENTS, REFUNDS, ATTEMPTS = "ai_write_payment_transaction", "paycore_refund", "paycore_payment_attempt"
MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    """pay_methods and attempts on payments; out_trade_no and duplicate on refunds; the attempts' order numbers."""
    with op.batch_alter_table(PAYMENTS) as batch:
        batch.add_column(sa.Column("pay_methods", sa.String(500), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Text(), nullable=True))
    with op.batch_alter_table(REFUNDS) as batch:
        batch.add_column(sa.Column("out_trade_no", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate", sa.CHAR(1), nullable=False, server_default="0"))
    op.create_table(
        ATTEMPTS,
        sa.Column("out_trade_no", sa.String(64), primary_key=True),
        sa.Column("order_no", sa.String(64), sa.ForeignKey(f"{PAYMENTS}.order_no",
                                                           name="fk_paycore_payment_attempt_order_no_ai_write_payment_transaction"),
                  nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Index("idx_payment_attempt_order_no", "order_no"),
        **MYSQL,
    )


def downgrade() -> None:
    """The attempts' columns and table go (payments keep their latest attempt's method)."""
    op.drop_table(ATTEMPTS)
    with op.batch_alter_table(REFUNDS) as batch:
        batch.drop_column("duplicate")
        batch.drop_column("out_trade_no")
    with op.batch_alter_table(PAYMENTS) as batch:
        batch.drop_column("attempts")
        batch.drop_column("pay_methods")
