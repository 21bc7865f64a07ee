"""Anomalies listed for operators: an index to page through the journal's entries of one type, newest first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "paycore_payment_event"


def upgrade() -> None:
    """Index the journal by event type and time (GET /v1/admin/anomalies)."""
    op.create_index("idx_event_type_time", EVENTS, ["event_type", "create_time", "event_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("idx_event_type_time", EVENTS)
