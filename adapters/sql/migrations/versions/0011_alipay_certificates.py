"""Alipay certificate mode: the app's, Alipay's and Alipay's root certificates on a payment config.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIGS = "ai_write_payment_config"
COLUMNS = ("app_cert", "alipay_cert", "alipay_root_cert")


def upgrade() -> None:
    """Add the three certificate columns (PEM text, empty for public-key mode)."""
    with op.batch_alter_table(CONFIGS) as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table(CONFIGS) as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
