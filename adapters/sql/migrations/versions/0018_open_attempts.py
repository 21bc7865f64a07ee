"""How many attempts of a paid payment are still open at their providers (issue 15): the worker's attempt-close
sweep finds by it the closes that failed right after the payment and tries them again.

Payments paid before keep 0: their other attempts are closed by their providers at expiry, and a payment of one
is refunded as a duplicate.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYMENTS = "ai_write_payment_transaction"


def upgrade() -> None:
    """open_attempts, 0 unless set, indexed for the sweep's claim."""
    with op.batch_alter_table(PAYMENTS) as batch:
        batch.add_column(sa.Column("open_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("idx_open_attempts", ["open_attempts"])


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table(PAYMENTS) as batch:
        batch.drop_index("idx_open_attempts")
        batch.drop_column("open_attempts")
