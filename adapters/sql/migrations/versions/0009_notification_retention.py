"""Index the notification log by arrival, so the worker's retention job deletes its oldest rows without a scan.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("idx_notification_received_time", "paycore_notification_log", ["received_time"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("idx_notification_received_time", "paycore_notification_log")
