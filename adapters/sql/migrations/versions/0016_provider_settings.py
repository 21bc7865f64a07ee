"""A payment config's provider settings in one JSON text column, `provider_settings`, so that a provider with new
settings needs no column (and no migration) of its own: filled here from the seed's per-setting columns, which stay
and are still written (the seed's readers see them as before).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIGS = "ai_write_payment_config"
# The seed's columns of the providers' settings, as they stood before this revision (history: never edited).
SETTING_COLUMNS = ("alipay_public_key", "alipay_cert", "alipay_root_cert", "wechat_public_key",
                   "wechat_public_key_id", "wechat_platform_cert")
LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    """Add provider_settings and fill it, row by row, with the settings each config's columns hold."""
    with op.batch_alter_table(CONFIGS) as batch:
        batch.add_column(sa.Column("provider_settings", LONG_TEXT, nullable=True))
    configs = sa.table(CONFIGS, sa.column("config_id"), sa.column("provider_settings", sa.Text()),
                       *(sa.column(name, sa.Text()) for name in SETTING_COLUMNS))
    bind = op.get_bind()
    rows = bind.execute(sa.select(configs.c.config_id, *(configs.c[name] for name in SETTING_COLUMNS))).mappings()
    for row in list(rows):
        settings = {name: row[name] for name in SETTING_COLUMNS if row[name]}
        bind.execute(sa.update(configs).where(configs.c.config_id == row["config_id"])
                     .values(provider_settings=json.dumps(settings, sort_keys=True, ensure_ascii=False)))


def downgrade() -> None:
    """Drop it (the seed's columns still hold every setting they have a column for)."""
    with op.batch_alter_table(CONFIGS) as batch:
        batch.drop_column("provider_settings")
