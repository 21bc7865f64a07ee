"""The SQL schema as SQLAlchemy Core tables on one MetaData; rows never leave adapters/sql.

The two `ai_write_*` tables keep the seed design's names and columns, extended. Indexed VARCHARs
stay within 191 characters (767 bytes of utf8mb4) except where noted. Datetimes are naive UTC
(MySQL DATETIME has no zone) and come back aware through UtcDateTime.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from adapters.sql.types import UtcDateTime, Yuan

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# utf8mb4_bin: case-sensitive keys (order_no, idempotency keys) and ordering, as on SQLite and PostgreSQL.
MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

# SQLite only autoincrements an INTEGER PRIMARY KEY, not a BIGINT one.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Text past MySQL's 64 KiB TEXT (several certificates' PEM at once).
LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def money() -> Yuan:
    """Yuan with two decimals, exact on every database (see Yuan)."""
    return Yuan()


def flag(name: str) -> sa.Column[Any]:
    """A seed-style char(1) flag, "0" unless set."""
    return sa.Column(name, sa.CHAR(1), nullable=False, server_default="0")


def _audit() -> list[sa.Column[Any]]:
    return [
        sa.Column("create_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("create_time", UtcDateTime(), nullable=True),
        sa.Column("update_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("update_time", UtcDateTime(), nullable=True),
        sa.Column("remark", sa.String(500), nullable=True),
    ]


def _sync_schedule() -> list[sa.Column[Any]]:
    """When a compensation job next looks at the row, how often it asked the provider, and who holds it now."""
    return [
        sa.Column("next_sync_time", UtcDateTime(), nullable=True),
        sa.Column("sync_attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sync_leased_until", UtcDateTime(), nullable=True),
        sa.Column("sync_lease_owner", sa.String(64), nullable=True),
    ]


payment_config = sa.Table(
    "ai_write_payment_config",
    metadata,
    sa.Column("config_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("payment_type", sa.String(20), nullable=False),
    sa.Column("config_name", sa.String(50), nullable=False),
    sa.Column("app_id", sa.String(100), nullable=False, server_default=""),
    # Secrets are Text: they hold ciphertext.
    sa.Column("private_key", sa.Text(), nullable=True),
    sa.Column("public_key", sa.Text(), nullable=True),
    sa.Column("alipay_public_key", sa.Text(), nullable=True),
    sa.Column("mch_id", sa.String(50), nullable=False, server_default=""),
    sa.Column("api_key", sa.Text(), nullable=True),
    sa.Column("api_v3_key", sa.Text(), nullable=True),
    sa.Column("cert_serial_no", sa.String(100), nullable=False, server_default=""),
    sa.Column("private_cert_path", sa.String(200), nullable=False, server_default=""),
    # Optional (API.md): when empty paycore derives the provider notify URL itself.
    sa.Column("notify_url", sa.String(500), nullable=True, server_default=""),
    sa.Column("return_url", sa.String(500), nullable=True, server_default=""),
    flag("is_sandbox"),
    flag("is_default"),
    flag("status"),  # "0" normal, "1" disabled
    flag("del_flag"),  # "0" present, "2" deleted
    *_audit(),
    sa.Column("gateway_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("seller_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("wechat_public_key", sa.Text(), nullable=True),
    sa.Column("wechat_public_key_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("wechat_platform_cert", sa.Text(), nullable=True),  # platform-certificate mode (PEM)
    sa.Column("app_cert", sa.Text(), nullable=True),  # Alipay certificate mode (PEM), with the next two
    sa.Column("alipay_cert", sa.Text(), nullable=True),
    sa.Column("alipay_root_cert", sa.Text(), nullable=True),
    # The seed's unique (payment_type, is_default) allowed one non-default config per type.
    # default_for = payment_type while the config is the live default, else NULL; NULLs never
    # collide in a unique index on SQLite, PostgreSQL and MySQL/MariaDB alike.
    sa.Column("default_for", sa.String(20), nullable=True),
    # The provider key ids the config trusts, space-separated (migration 0005); indexed in paycore_config_key.
    sa.Column("key_ids", sa.String(1000), nullable=False, server_default=""),
    # Every provider setting as one JSON object (0016): a new provider needs no column; the ones above hold copies.
    sa.Column("provider_settings", LongText, nullable=True),
    sa.Index("uk_default_for", "default_for", unique=True),
    **MYSQL,
)

# Which configs trust which provider key (a WeChat public key id or platform certificate serial): a notification
# finds its candidate configs by the key that signed it in one indexed lookup, however many configs there are.
config_key = sa.Table(
    "paycore_config_key",
    metadata,
    sa.Column("payment_type", sa.String(20), nullable=False),
    sa.Column("key_id", sa.String(100), nullable=False),
    sa.Column("config_id", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("payment_type", "key_id", "config_id", name="pk_config_key"),
    **MYSQL,
)

payment_transaction = sa.Table(
    "ai_write_payment_transaction",
    metadata,
    sa.Column("transaction_id", BigId, primary_key=True, autoincrement=True),
    sa.Column("order_no", sa.String(64), nullable=False),
    sa.Column("payment_type", sa.String(20), nullable=False),
    sa.Column("trade_no", sa.String(100), nullable=True, server_default=""),
    sa.Column("buyer_id", sa.String(100), nullable=True, server_default=""),
    sa.Column("buyer_account", sa.String(100), nullable=True, server_default=""),
    sa.Column("total_amount", money(), nullable=False),
    sa.Column("receipt_amount", money(), nullable=True),
    sa.Column("payment_time", UtcDateTime(), nullable=True),
    sa.Column("notify_time", UtcDateTime(), nullable=True),
    sa.Column("trade_status", sa.String(20), nullable=False),
    sa.Column("notify_data", sa.Text(), nullable=True),  # the latest raw provider notification
    sa.Column("create_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("update_by", sa.String(64), nullable=False, server_default=""),
    sa.Column("update_time", UtcDateTime(), nullable=True),
    sa.Column("remark", sa.String(500), nullable=True),
    sa.Column("pay_method", sa.String(16), nullable=False),
    sa.Column("config_id", sa.BigInteger(), nullable=True),
    sa.Column("subject", sa.String(256), nullable=False),
    sa.Column("body", sa.String(512), nullable=False, server_default=""),
    sa.Column("openid", sa.String(128), nullable=True),
    sa.Column("expire_time", UtcDateTime(), nullable=False),
    sa.Column("refunded_amount", money(), nullable=False, server_default="0.00"),
    sa.Column("return_url", sa.String(1000), nullable=True),
    sa.Column("webhook_url", sa.String(1000), nullable=True),  # the business system's notify_url
    sa.Column("api_key_id", sa.String(64), nullable=True),
    sa.Column("checkout", sa.Text(), nullable=True),  # JSON: pay_url, code_url, pay_params
    sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    *_sync_schedule(),  # the compensation jobs' schedule and lease (migration 0004)
    sa.Column("expiry_reminded_time", UtcDateTime(), nullable=True),  # the payment.expiring webhook was queued
    # Issue 15 (migration 0015): the payer's choices (comma-separated `alipay:pc`, …) and the attempts (JSON);
    # payment_type and pay_method are "" until the payer chose.
    sa.Column("pay_methods", sa.String(500), nullable=True),
    sa.Column("attempts", sa.Text(), nullable=True),
    # Migration 0018: attempts of a paid payment still open at their providers (the attempt-close sweep's work).
    sa.Column("open_attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.UniqueConstraint("order_no", name="uk_order_no"),
    sa.Index("idx_trade_no", "trade_no"),
    sa.Index("idx_trade_status", "trade_status", "create_time"),
    sa.Index("idx_create_time_order_no", "create_time", "order_no"),
    sa.Index("idx_trade_status_expire_time", "trade_status", "expire_time"),
    sa.Index("idx_open_attempts", "open_attempts"),
    **MYSQL,
)

# The provider order numbers of attempts after the first (`{order_no}_{n}`): a notification finds its payment here.
payment_attempt = sa.Table(
    "paycore_payment_attempt",
    metadata,
    sa.Column("out_trade_no", sa.String(64), primary_key=True),
    sa.Column("order_no", sa.String(64),  # an explicit name: the convention's is 64 characters, PostgreSQL keeps 63
              sa.ForeignKey(payment_transaction.c.order_no, name="fk_payment_attempt_order_no"), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Index("idx_payment_attempt_order_no", "order_no"),
    **MYSQL,
)

refund = sa.Table(
    "paycore_refund",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("refund_no", sa.String(64), nullable=False),
    sa.Column("order_no", sa.String(64), sa.ForeignKey(payment_transaction.c.order_no), nullable=False),
    sa.Column("amount", money(), nullable=False),
    sa.Column("reason", sa.String(256), nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("provider_refund_id", sa.String(128), nullable=True),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("success_time", UtcDateTime(), nullable=True),
    *_sync_schedule(),
    sa.Column("failure_code", sa.String(64), nullable=True),  # the provider's refusal (migration 0006)
    sa.Column("failure_message", sa.String(512), nullable=True),
    sa.Column("attention_time", UtcDateTime(), nullable=True),  # flagged (and logged) as unsettled too long
    sa.Column("out_trade_no", sa.String(64), nullable=True),  # the attempt refunded; NULL: the order_no (0015)
    flag("duplicate"),  # "1": paycore's own refund in full of an attempt paid after another
    sa.UniqueConstraint("refund_no", name="uk_refund_no"),
    sa.Index("idx_refund_order_no", "order_no"),
    sa.Index("idx_refund_status_create_time", "status", "create_time"),
    **MYSQL,
)

payment_event = sa.Table(
    "paycore_payment_event",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(40), nullable=False),
    sa.Column("order_no", sa.String(64), sa.ForeignKey(payment_transaction.c.order_no), nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=True),
    sa.Column("amount", money(), nullable=True),
    sa.Column("refund_no", sa.String(64), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("provider_event_id", sa.String(128), nullable=True),
    sa.Column("detail", sa.Text(), nullable=True),  # JSON
    sa.Column("raw", sa.Text(), nullable=True),  # the provider's notification or answer, JSON
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("event_id", name="uk_event_id"),
    # A provider event applies once; events of our own have no provider id, and NULLs never collide.
    sa.UniqueConstraint("provider_event_id", "event_type", name="uk_provider_event"),
    sa.Index("idx_event_order_no", "order_no"),
    sa.Index("idx_event_type_time", "event_type", "create_time", "event_id"),  # lists of anomalies (0008)
    **MYSQL,
)

webhook_outbox = sa.Table(
    "paycore_webhook_outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(40), nullable=False),
    # A payment's webhook names its payment; one of no payment (0014) names its API key and its reconciliation run.
    sa.Column("order_no", sa.String(64), sa.ForeignKey(payment_transaction.c.order_no), nullable=True),
    sa.Column("api_key_id", sa.String(64), nullable=True),
    sa.Column("run_id", sa.BigInteger(), nullable=True),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),  # JSON of the journal event
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_time", UtcDateTime(), nullable=False),
    sa.Column("last_status_code", sa.Integer(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("delivered_time", UtcDateTime(), nullable=True),
    sa.Column("leased_until", UtcDateTime(), nullable=True),  # a sender holds the row until then
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("url", sa.String(1000), nullable=True),  # where the last attempt went
    sa.Column("last_latency_ms", sa.Integer(), nullable=True),
    sa.UniqueConstraint("event_id", name="uk_outbox_event_id"),
    sa.Index("idx_outbox_due", "status", "next_attempt_time"),
    sa.Index("idx_outbox_order_no_id", "order_no", "id"),
    **MYSQL,
)

# One row per HTTP attempt of a delivery; a resend adds rows and never rewrites them.
webhook_attempt = sa.Table(
    "paycore_webhook_attempt",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.BigInteger(), sa.ForeignKey(webhook_outbox.c.id), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # the delivery's status after the attempt
    sa.Column("attempt_time", UtcDateTime(), nullable=False),
    sa.Column("url", sa.String(1000), nullable=True),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("latency_ms", sa.Integer(), nullable=True),
    sa.Column("snippet", sa.String(200), nullable=False, server_default=""),
    sa.Column("error", sa.Text(), nullable=True),
    sa.UniqueConstraint("delivery_id", "attempt", name="uk_webhook_attempt_delivery_attempt"),
    **MYSQL,
)

notification_log = sa.Table(
    "paycore_notification_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("payment_type", sa.String(20), nullable=False),
    sa.Column("config_id", sa.BigInteger(), nullable=True),
    sa.Column("order_no", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),  # applied | already_applied | rejected
    sa.Column("reason", sa.String(40), nullable=True),
    sa.Column("raw", sa.Text(), nullable=False),  # headers and body as received
    sa.Column("received_time", UtcDateTime(), nullable=False),
    sa.Index("idx_notification_order_no", "order_no"),
    sa.Index("idx_notification_received_time", "received_time"),  # retention (migration 0009)
    **MYSQL,
)

api_key = sa.Table(
    "paycore_api_key",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("secret_hash", sa.String(128), nullable=False),
    sa.Column("webhook_url", sa.String(1000), nullable=True),
    sa.Column("webhook_secret", sa.Text(), nullable=True),  # ciphertext once the secret box exists
    # After a rotation the previous secret still signs (a second signature) until previous_secret_until (0010).
    sa.Column("previous_webhook_secret", sa.Text(), nullable=True),
    sa.Column("previous_secret_until", UtcDateTime(), nullable=True),
    sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Column("revoke_time", UtcDateTime(), nullable=True),
    **MYSQL,
)

idempotency_key = sa.Table(
    "paycore_idempotency_key",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("owner", sa.String(64), nullable=False),
    # API.md allows keys of 255 characters; (64 + 255) * 4 bytes is within InnoDB's 3072-byte
    # index limit (DYNAMIC rows, the default since MySQL 5.7 / MariaDB 10.2).
    sa.Column("idem_key", sa.String(255), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("order_no", sa.String(64), nullable=False),
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("owner", "idem_key", name="uk_idempotency_owner_key"),
    **MYSQL,
)

# The reconciliation tables live in their own module, on this MetaData (imported last: it imports this one).
from adapters.sql import tables_reconciliation  # noqa: E402, F401
