"""Webhooks that belong to no payment (`reconciliation.completed`): the outbox's order_no may be empty, and such a
row names the API key it goes to (api_key_id) and what it is about (run_id, the reconciliation run).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX, ATTEMPTS = "paycore_webhook_outbox", "paycore_webhook_attempt"


def upgrade() -> None:
    """order_no nullable; api_key_id and run_id."""
    with op.batch_alter_table(OUTBOX) as batch:
        batch.alter_column("order_no", existing_type=sa.String(64), nullable=True)
        batch.add_column(sa.Column("api_key_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("run_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """The webhooks of no payment (and their attempts) go; order_no is required again."""
    outbox = sa.table(OUTBOX, sa.column("id", sa.BigInteger()), sa.column("order_no", sa.String(64)))
    attempts = sa.table(ATTEMPTS, sa.column("delivery_id", sa.BigInteger()))
    orphans = sa.select(outbox.c.id).where(outbox.c.order_no.is_(None)).scalar_subquery()
    op.execute(attempts.delete().where(attempts.c.delivery_id.in_(orphans)))
    op.execute(outbox.delete().where(outbox.c.order_no.is_(None)))
    with op.batch_alter_table(OUTBOX) as batch:
        batch.drop_column("run_id")
        batch.drop_column("api_key_id")
        batch.alter_column("order_no", existing_type=sa.String(64), nullable=False)
