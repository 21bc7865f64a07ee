"""Create the payment config, transaction, refund, journal, outbox, API key and idempotency tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Written by hand; it must not import the application's tables, which will keep changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def big_id() -> sa.types.TypeEngine[int]:
    """BIGINT autoincrement key; SQLite only autoincrements INTEGER PRIMARY KEY."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def dt() -> sa.types.TypeEngine[datetime]:
    """Naive UTC datetime with microseconds."""
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def money() -> sa.types.TypeEngine[Decimal]:
    """Yuan, two decimals; 12 digits because amounts reach 100000000.00; text on SQLite, which has no decimal."""
    return sa.Numeric(12, 2).with_variant(sa.String(16), "sqlite")


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "ai_write_payment_config",
        sa.Column("config_id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("payment_type", sa.String(20), nullable=False),
        sa.Column("config_name", sa.String(50), nullable=False),
        sa.Column("app_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("private_key", sa.Text(), nullable=True),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("alipay_public_key", sa.Text(), nullable=True),
        sa.Column("mch_id", sa.String(50), nullable=False, server_default=""),
        sa.Column("api_key", sa.Text(), nullable=True),
        sa.Column("api_v3_key", sa.Text(), nullable=True),
        sa.Column("cert_serial_no", sa.String(100), nullable=False, server_default=""),
        sa.Column("private_cert_path", sa.String(200), nullable=False, server_default=""),
        sa.Column("notify_url", sa.String(500), nullable=True, server_default=""),
        sa.Column("return_url", sa.String(500), nullable=True, server_default=""),
        sa.Column("is_sandbox", sa.CHAR(1), nullable=False, server_default="0"),
        sa.Column("is_default", sa.CHAR(1), nullable=False, server_default="0"),
        sa.Column("status", sa.CHAR(1), nullable=False, server_default="0"),
        sa.Column("del_flag", sa.CHAR(1), nullable=False, server_default="0"),
        sa.Column("create_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("create_time", dt(), nullable=True),
        sa.Column("update_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("update_time", dt(), nullable=True),
        sa.Column("remark", sa.String(500), nullable=True),
        sa.Column("gateway_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("seller_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("wechat_public_key", sa.Text(), nullable=True),
        sa.Column("wechat_public_key_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("wechat_platform_cert", sa.Text(), nullable=True),
        sa.Column("default_for", sa.String(20), nullable=True),
        **MYSQL,
    )
    op.create_index("uk_default_for", "ai_write_payment_config", ["default_for"], unique=True)

    op.create_table(
        "ai_write_payment_transaction",
        sa.Column("transaction_id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("payment_type", sa.String(20), nullable=False),
        sa.Column("trade_no", sa.String(100), nullable=True, server_default=""),
        sa.Column("buyer_id", sa.String(100), nullable=True, server_default=""),
        sa.Column("buyer_account", sa.String(100), nullable=True, server_default=""),
        sa.Column("total_amount", money(), nullable=False),
        sa.Column("receipt_amount", money(), nullable=True),
        sa.Column("payment_time", dt(), nullable=True),
        sa.Column("notify_time", dt(), nullable=True),
        sa.Column("trade_status", sa.String(20), nullable=False),
        sa.Column("notify_data", sa.Text(), nullable=True),
        sa.Column("create_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("create_time", dt(), nullable=False),
        sa.Column("update_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("update_time", dt(), nullable=True),
        sa.Column("remark", sa.String(500), nullable=True),
        sa.Column("pay_method", sa.String(16), nullable=False),
        sa.Column("config_id", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("body", sa.String(512), nullable=False, server_default=""),
        sa.Column("openid", sa.String(128), nullable=True),
        sa.Column("expire_time", dt(), nullable=False),
        sa.Column("refunded_amount", money(), nullable=False, server_default="0.00"),
        sa.Column("return_url", sa.String(1000), nullable=True),
        sa.Column("webhook_url", sa.String(1000), nullable=True),
        sa.Column("api_key_id", sa.String(64), nullable=True),
        sa.Column("checkout", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("order_no", name="uk_order_no"),
        **MYSQL,
    )
    op.create_index("idx_trade_no", "ai_write_payment_transaction", ["trade_no"])
    op.create_index("idx_trade_status", "ai_write_payment_transaction", ["trade_status", "create_time"])
    op.create_index("idx_create_time_order_no", "ai_write_payment_transaction", ["create_time", "order_no"])

    op.create_table(
        "paycore_refund",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("refund_no", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("amount", money(), nullable=False),
        sa.Column("reason", sa.String(256), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("provider_refund_id", sa.String(128), nullable=True),
        sa.Column("create_time", dt(), nullable=False),
        sa.Column("success_time", dt(), nullable=True),
        sa.UniqueConstraint("refund_no", name="uk_refund_no"),
        sa.ForeignKeyConstraint(["order_no"], ["ai_write_payment_transaction.order_no"],
                                name="fk_paycore_refund_order_no_ai_write_payment_transaction"),
        **MYSQL,
    )
    op.create_index("idx_refund_order_no", "paycore_refund", ["order_no"])

    op.create_table(
        "paycore_payment_event",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("amount", money(), nullable=True),
        sa.Column("refund_no", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("provider_event_id", sa.String(128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("create_time", dt(), nullable=False),
        sa.UniqueConstraint("event_id", name="uk_event_id"),
        sa.UniqueConstraint("provider_event_id", "event_type", name="uk_provider_event"),
        sa.ForeignKeyConstraint(["order_no"], ["ai_write_payment_transaction.order_no"],
                                name="fk_paycore_payment_event_order_no_ai_write_payment_transaction"),
        **MYSQL,
    )
    op.create_index("idx_event_order_no", "paycore_payment_event", ["order_no"])

    op.create_table(
        "paycore_webhook_outbox",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_time", dt(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("create_time", dt(), nullable=False),
        sa.Column("delivered_time", dt(), nullable=True),
        sa.UniqueConstraint("event_id", name="uk_outbox_event_id"),
        sa.ForeignKeyConstraint(["order_no"], ["ai_write_payment_transaction.order_no"],
                                name="fk_paycore_webhook_outbox_order_no_ai_write_payment_transaction"),
        **MYSQL,
    )
    op.create_index("idx_outbox_due", "paycore_webhook_outbox", ["status", "next_attempt_time"])

    op.create_table(
        "paycore_api_key",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("webhook_url", sa.String(1000), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("create_time", dt(), nullable=False),
        sa.Column("revoke_time", dt(), nullable=True),
        **MYSQL,
    )

    op.create_table(
        "paycore_idempotency_key",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("idem_key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("order_no", sa.String(64), nullable=False),
        sa.Column("create_time", dt(), nullable=False),
        sa.UniqueConstraint("owner", "idem_key", name="uk_idempotency_owner_key"),
        **MYSQL,
    )


def downgrade() -> None:
    """Drop every table, dependants first (their indexes go with them)."""
    for table in ("paycore_idempotency_key", "paycore_api_key", "paycore_webhook_outbox", "paycore_payment_event",
                  "paycore_refund", "ai_write_payment_transaction", "ai_write_payment_config"):
        op.drop_table(table)
