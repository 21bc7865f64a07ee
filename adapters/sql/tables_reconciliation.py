"""The reconciliation tables (对账): runs, their discrepancies, and the staging table a bill is loaded into so the
database can match it against the payments in one pass. Registered on tables.py's MetaData."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.sql.tables import MYSQL, BigId, metadata, money
from adapters.sql.types import UtcDateTime

reconciliation_run = sa.Table(
    "paycore_reconciliation_run",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("bill_date", sa.Date(), nullable=False),  # a Beijing calendar day
    sa.Column("payment_type", sa.String(20), nullable=False),
    sa.Column("account", sa.String(100), nullable=False),  # the Alipay app_id or WeChat mch_id the bill covers
    sa.Column("config_id", sa.BigInteger(), nullable=True),  # the config asked for, when one was
    sa.Column("status", sa.String(20), nullable=False),  # running, completed, failed, not_ready
    sa.Column("bill_rows", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("payments", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("payment_amount", money(), nullable=False, server_default="0.00"),
    sa.Column("refunds", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("refund_amount", money(), nullable=False, server_default="0.00"),
    sa.Column("fees", money(), nullable=False, server_default="0.00"),
    sa.Column("discrepancies", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("local_records", sa.Integer(), nullable=False, server_default="0"),  # paycore's side, that day
    sa.Column("matched", sa.Integer(), nullable=False, server_default="0"),  # bill rows paycore agrees with
    sa.Column("local_amount", money(), nullable=False, server_default="0.00"),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Index("ix_paycore_reconciliation_run_day", "bill_date", "payment_type"),
    **MYSQL,
)

reconciliation_discrepancy = sa.Table(
    "paycore_reconciliation_discrepancy",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.BigInteger(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # missing_locally, amount_mismatch, ...
    sa.Column("order_no", sa.String(64), nullable=False),
    sa.Column("refund_no", sa.String(64), nullable=False, server_default=""),
    sa.Column("provider_value", sa.String(64), nullable=True),
    sa.Column("local_value", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # open, held, resolved, acknowledged
    sa.Column("resolution", sa.String(32), nullable=True),  # fixed_by_sync, next_day_bill, ...
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("acknowledged_by", sa.String(64), nullable=True),
    sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
    sa.Column("trade_no", sa.String(64), nullable=True),  # the provider's trade number
    sa.Column("provider_time", UtcDateTime(), nullable=True),  # the bill's time of the row
    sa.Column("local_time", UtcDateTime(), nullable=True),  # paycore's paid / refund-settled time
    sa.Column("create_time", UtcDateTime(), nullable=False),
    sa.Index("ix_paycore_reconciliation_discrepancy_run", "run_id", "kind"),
    sa.Index("ix_paycore_reconciliation_discrepancy_status", "status"),
    **MYSQL,
)

reconciliation_schedule = sa.Table(  # the worker's daily run: one row per bill date, leased by one worker
    "paycore_reconciliation_schedule",
    metadata,
    sa.Column("bill_date", sa.Date(), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending, done, no_bill
    sa.Column("waiting", sa.String(2000), nullable=False, server_default=""),  # "type:account" whose bill is not out
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_time", UtcDateTime(), nullable=False),
    sa.Column("leased_until", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("update_time", UtcDateTime(), nullable=False),
    **MYSQL,
)

bill_staging = sa.Table(
    "paycore_bill_staging",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.BigInteger(), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # payment, refund
    sa.Column("provider_trade_no", sa.String(64), nullable=False),
    sa.Column("order_no", sa.String(64), nullable=False),
    sa.Column("refund_no", sa.String(64), nullable=False, server_default=""),
    sa.Column("amount", money(), nullable=False),
    sa.Column("fee", money(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("bill_time", UtcDateTime(), nullable=False),
    sa.Index("ix_paycore_bill_staging_order", "run_id", "order_no"),
    sa.Index("ix_paycore_bill_staging_refund", "run_id", "refund_no"),
    **MYSQL,
)
