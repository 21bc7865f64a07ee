"""SQL repositories for configs, idempotency keys and API keys; payments live in payments.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.payments import SqlPayments
from adapters.sql.tables import api_key, idempotency_key, payment_config
from application.ports import ApiKey, IdempotencyRecord, PaymentConfig

__all__ = ["SqlApiKeys", "SqlConfigs", "SqlIdempotency", "SqlPayments"]

C = payment_config.c
PRESENT = "0"  # del_flag of a config that is not deleted


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _config_from_row(row: RowMapping) -> PaymentConfig:
    return PaymentConfig(
        config_id=row["config_id"], payment_type=row["payment_type"], config_name=row["config_name"],
        app_id=row["app_id"], mch_id=row["mch_id"], seller_id=row["seller_id"], notify_url=row["notify_url"] or "",
        return_url=row["return_url"] or "", gateway_url=row["gateway_url"], is_sandbox=row["is_sandbox"] == "1",
        is_default=row["default_for"] is not None, enabled=row["status"] == "0",
    )


class SqlConfigs:
    """ConfigRepository: the seed's ai_write_payment_config, at most one live default per type."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, config_id: int) -> PaymentConfig | None:
        """A config that is not deleted, or None."""
        return await self._one(C.config_id == config_id)

    async def get_default(self, payment_type: str) -> PaymentConfig | None:
        """The type's live default, or None."""
        return await self._one(C.default_for == payment_type)

    async def add(self, config: PaymentConfig) -> PaymentConfig:
        """Insert; a new default takes over from the previous one of its type in this transaction."""
        now = datetime.now(UTC)
        values = {
            "payment_type": config.payment_type, "config_name": config.config_name, "app_id": config.app_id,
            "mch_id": config.mch_id, "seller_id": config.seller_id, "notify_url": config.notify_url,
            "return_url": config.return_url, "gateway_url": config.gateway_url,
            "is_sandbox": _flag(config.is_sandbox), "is_default": _flag(config.is_default),
            "default_for": config.payment_type if config.is_default else None,
            "status": "0" if config.enabled else "1", "del_flag": PRESENT, "create_time": now, "update_time": now,
        }
        with storage_errors(f"adding a {config.payment_type} config"):
            if config.is_default:
                await self._conn.execute(sa.update(payment_config).where(C.default_for == config.payment_type)
                                         .values(is_default="0", default_for=None, update_time=now))
            result = await self._conn.execute(sa.insert(payment_config).values(**values))
        key = result.inserted_primary_key
        assert key is not None
        return dataclasses.replace(config, config_id=int(key[0]))

    async def _one(self, where: sa.ColumnElement[bool]) -> PaymentConfig | None:
        query = sa.select(payment_config).where(where, C.del_flag == PRESENT)
        with storage_errors("reading payment configs"):
            row = (await self._conn.execute(query)).mappings().first()
        return _config_from_row(row) if row is not None else None


class SqlIdempotency:
    """IdempotencyStore: one row per (owner, key)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        """The record or None."""
        t = idempotency_key.c
        query = sa.select(idempotency_key).where(t.owner == owner, t.idem_key == key)
        with storage_errors("reading an idempotency key"):
            row = (await self._conn.execute(query)).mappings().first()
        if row is None:
            return None
        return IdempotencyRecord(row["owner"], row["idem_key"], row["request_hash"], row["order_no"],
                                 row["create_time"])

    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; DuplicateKey if the key is taken."""
        values = {"owner": record.owner, "idem_key": record.key, "request_hash": record.request_hash,
                  "order_no": record.order_no, "create_time": record.create_time}
        with storage_errors("adding an idempotency key"):
            await self._conn.execute(sa.insert(idempotency_key).values(**values))


def _key_from_row(row: RowMapping) -> ApiKey:
    extra = {"webhook_secret": row["webhook_secret"]} if row["webhook_secret"] is not None else {}
    return ApiKey(row["key_id"], row["name"], row["scope"], row["secret_hash"], row["create_time"],
                  row["webhook_url"], bool(row["revoked"]), extra)


class SqlApiKeys:
    """ApiKeyRepository; `extra["webhook_secret"]` is kept in its own column."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        """Insert a key."""
        values = {"key_id": key.key_id, "name": key.name, "scope": key.scope, "secret_hash": key.secret_hash,
                  "webhook_url": key.webhook_url, "webhook_secret": key.extra.get("webhook_secret"),
                  "revoked": key.revoked, "create_time": key.create_time}
        with storage_errors(f"adding API key {key.key_id}"):
            await self._conn.execute(sa.insert(api_key).values(**values))

    async def get(self, key_id: str) -> ApiKey | None:
        """The key, revoked or not, or None."""
        with storage_errors("reading API keys"):
            row = (await self._conn.execute(sa.select(api_key).where(api_key.c.key_id == key_id))).mappings().first()
        return _key_from_row(row) if row is not None else None

    async def list(self) -> Sequence[ApiKey]:
        """Every key, newest first."""
        query = sa.select(api_key).order_by(api_key.c.create_time.desc(), api_key.c.key_id.desc())
        with storage_errors("listing API keys"):
            found = (await self._conn.execute(query)).mappings().all()
        return [_key_from_row(r) for r in found]

    async def revoke(self, key_id: str) -> bool:
        """Revoke; False if there is no such key."""
        update = (sa.update(api_key).where(api_key.c.key_id == key_id)
                  .values(revoked=True, revoke_time=datetime.now(UTC)))
        with storage_errors(f"revoking API key {key_id}"):
            return (await self._conn.execute(update)).rowcount == 1
