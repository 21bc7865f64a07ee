"""Keep an API key's previous webhook secret signing beside the new one for an overlap after a rotation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = "paycore_api_key"


def upgrade() -> None:
    """Add the previous secret and the end of its overlap."""
    with op.batch_alter_table(KEYS) as batch:
        batch.add_column(sa.Column("previous_webhook_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("previous_secret_until",
                                   sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb"),
                                   nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table(KEYS) as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_webhook_secret")
