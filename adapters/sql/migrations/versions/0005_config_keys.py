"""Index the provider keys each config trusts, so a notification finds its configs by the key it names.

Several configs may share one WeChat merchant's public key (one merchant bound to several appids): a callback
names the key in `Wechatpay-Serial`, and its configs are found through `paycore_config_key` in one indexed
lookup. Existing WeChat configs are indexed under their public key id and their platform certificates' serials.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography import x509

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIGS = "ai_write_payment_config"
KEYS = "paycore_config_key"
MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def _serials(pem: str | None) -> list[str]:
    """Upper-case hex serials of the PEM certificates, as WeChat writes them; none for unreadable text."""
    if not pem or not pem.strip():
        return []
    try:
        return [format(c.serial_number, "X") for c in x509.load_pem_x509_certificates(pem.strip().encode())]
    except ValueError:
        return []


def upgrade() -> None:
    """Add the key_ids column and the index table, and fill both for the WeChat configs there are."""
    with op.batch_alter_table(CONFIGS) as batch:
        batch.add_column(sa.Column("key_ids", sa.String(1000), nullable=False, server_default=""))
    keys = op.create_table(
        KEYS,
        sa.Column("payment_type", sa.String(20), nullable=False),
        sa.Column("key_id", sa.String(100), nullable=False),
        sa.Column("config_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("payment_type", "key_id", "config_id", name="pk_config_key"),
        **MYSQL,
    )
    assert keys is not None
    conn = op.get_bind()
    configs = sa.table(CONFIGS, sa.column("config_id"), sa.column("payment_type"), sa.column("key_ids"),
                       sa.column("wechat_public_key_id"), sa.column("wechat_platform_cert"))
    rows = conn.execute(sa.select(configs).where(configs.c.payment_type == "wechat")).mappings().all()
    for row in rows:
        ids = list(dict.fromkeys([row["wechat_public_key_id"] or "", *_serials(row["wechat_platform_cert"])]))
        ids = [i for i in ids if i]
        if not ids:
            continue
        conn.execute(sa.update(configs).where(configs.c.config_id == row["config_id"])
                     .values(key_ids=" ".join(ids)))
        conn.execute(sa.insert(keys), [{"payment_type": "wechat", "key_id": i, "config_id": row["config_id"]}
                                       for i in ids])


def downgrade() -> None:
    """Drop them."""
    op.drop_table(KEYS)
    with op.batch_alter_table(CONFIGS) as batch:
        batch.drop_column("key_ids")
