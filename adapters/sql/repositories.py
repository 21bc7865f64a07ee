"""SQL repositories for configs, idempotency keys and API keys; payments live in payments.py."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.payments import SqlPayments
from adapters.sql.sqlite_trips import deferred
from adapters.sql.tables import api_key, config_key, idempotency_key, payment_config
from application.errors import ConfigUnreadable, LastAdminKey
from application.records import ApiKey, IdempotencyRecord, PaymentConfig
from domain.kinds import PaymentType

__all__ = ["SqlApiKeys", "SqlConfigs", "SqlIdempotency", "SqlPayments"]

C = payment_config.c
PRESENT = "0"  # del_flag of a config that is not deleted
DELETED = "2"
# Built once (SQLAlchemy memoises their cache keys): these run on every request.
CONFIG_BY_ID = sa.select(payment_config).where(C.config_id == sa.bindparam("value"), C.del_flag == PRESENT)
ANY_CONFIG_BY_ID = sa.select(payment_config).where(C.config_id == sa.bindparam("value"))
K = config_key.c
DEFAULT_CONFIG = sa.select(payment_config).where(C.default_for == sa.bindparam("value"), C.del_flag == PRESENT)
KEY_BY_ID = sa.select(api_key).where(api_key.c.key_id == sa.bindparam("key_id"))
IDEMPOTENCY_BY_KEY = sa.select(idempotency_key).where(idempotency_key.c.owner == sa.bindparam("owner"),
                                                     idempotency_key.c.idem_key == sa.bindparam("idem_key"))
INSERT_IDEMPOTENCY = deferred(sa.insert(idempotency_key))  # with the create's COMMIT on SQLite
ACTIVE_ADMINS = sa.select(api_key.c.key_id).where(api_key.c.scope == "admin", api_key.c.revoked.is_(sa.false()))


def _guarded_revoke(key_id: str) -> sa.Update:
    """Revoke the active key unless it is an admin key and no other active admin key remains."""
    others = ACTIVE_ADMINS.where(api_key.c.key_id != key_id).subquery()  # a derived table: MySQL allows it
    another_admin = sa.select(sa.func.count()).select_from(others).scalar_subquery() > 0
    return (sa.update(api_key)
            .where(api_key.c.key_id == key_id, api_key.c.revoked.is_(sa.false()),
                   sa.or_(api_key.c.scope != "admin", another_admin))
            .values(revoked=True, revoke_time=datetime.now(UTC)))


def _flag(value: bool) -> str:
    return "1" if value else "0"


_CLEAR_TEXT = ("app_id", "gateway_url", "create_by", "update_by")
_NULLABLE_TEXT = ("notify_url", "return_url", "public_key", "remark")
# The table's columns for secrets (ciphertext): PaymentConfig.sealed, by name.
SECRET_COLUMNS = ("private_key", "api_key", "api_v3_key")
# A config's provider settings (PaymentConfig.settings), whatever their names, are stored as one JSON object in
# provider_settings (migration 0016). The seed's table has a column for some of them, named as the setting: those
# keep a copy, so that the seed's readers see them, and fill in a setting that provider_settings lacks (a row
# written before the setting moved there, or by the seed's own code); a setting with no column lives in
# provider_settings alone.
SETTING_COLUMNS = ("mch_id", "seller_id", "cert_serial_no", "private_cert_path", "app_cert", "alipay_public_key",
                   "alipay_cert", "alipay_root_cert", "wechat_public_key", "wechat_public_key_id",
                   "wechat_platform_cert")


def _config_from_row(row: RowMapping) -> PaymentConfig:
    return PaymentConfig(
        config_id=row["config_id"], payment_type=PaymentType(row["payment_type"]), config_name=row["config_name"],
        is_sandbox=row["is_sandbox"] == "1", is_default=row["default_for"] is not None, enabled=row["status"] == "0",
        create_time=row["create_time"], update_time=row["update_time"],
        sealed={name: row[name] for name in SECRET_COLUMNS if row[name]}, key_ids=tuple(row["key_ids"].split()),
        **{name: row[name] for name in _CLEAR_TEXT}, **{name: row[name] or "" for name in _NULLABLE_TEXT},
        settings=_settings_of(row), deleted=row["del_flag"] == DELETED,
    )


def _settings_of(row: RowMapping) -> dict[str, str]:
    """The config's provider settings: provider_settings, each setting it lacks filled in from its seed column."""
    stored: object = {}
    if row["provider_settings"] is not None:
        try:
            stored = json.loads(row["provider_settings"])
        except ValueError:
            stored = None
    if not isinstance(stored, dict):
        raise ConfigUnreadable(f"payment config {row['config_id']}: its provider_settings column is not the JSON "
                               "object paycore wrote (edited by hand?); fix the column, or save the config's "
                               "certificate and public-key settings again through the admin API")
    settings = {str(name): str(value) for name, value in stored.items() if value}
    return {**{name: row[name] for name in SETTING_COLUMNS if row[name]}, **settings}


def _config_values(config: PaymentConfig) -> dict[str, Any]:
    return {
        "payment_type": config.payment_type.value, "config_name": config.config_name,
        "is_sandbox": _flag(config.is_sandbox), "is_default": _flag(config.is_default),
        "default_for": config.payment_type.value if config.is_default else None,
        "status": "0" if config.enabled else "1", "create_time": config.create_time,
        "key_ids": " ".join(_key_ids(config)),
        "update_time": config.update_time or datetime.now(UTC),
        **{name: config.sealed.get(name) for name in SECRET_COLUMNS},
        **{name: getattr(config, name) for name in _CLEAR_TEXT + _NULLABLE_TEXT},
        **_setting_values(config),
    }


def _setting_values(config: PaymentConfig) -> dict[str, str]:
    """The provider's settings as one JSON object, and a copy in each seed column named after one ("" for one not
    given, as the other text columns)."""
    settings = {name: value for name, value in config.settings.items() if value}
    return {"provider_settings": json.dumps(settings, sort_keys=True, ensure_ascii=False),
            **{name: config.setting(name) for name in SETTING_COLUMNS}}


def _key_ids(config: PaymentConfig) -> list[str]:
    """The config's distinct key ids, in order; each fits the index's column."""
    return [k for k in dict.fromkeys(config.key_ids) if k and len(k) <= 100 and not any(c.isspace() for c in k)]


class SqlConfigs:
    """ConfigRepository: the seed's ai_write_payment_config, at most one live default per type."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, config_id: int, include_deleted: bool = False) -> PaymentConfig | None:
        """A config that is not deleted (or, with include_deleted, any), or None."""
        return await self._one(ANY_CONFIG_BY_ID if include_deleted else CONFIG_BY_ID, config_id)

    async def by_key(self, payment_type: str, key_ids: Sequence[str], limit: int = 20) -> Sequence[PaymentConfig]:
        """Configs of the type trusting one of the key ids, deleted and disabled ones too, newest first."""
        if not key_ids:
            return []
        query = (sa.select(payment_config).join(config_key, K.config_id == C.config_id)
                 .where(K.payment_type == payment_type, K.key_id.in_(list(key_ids)))
                 .order_by(C.config_id.desc()).limit(limit))
        with storage_errors("finding payment configs by provider key"):
            rows = (await self._conn.execute(query)).mappings().all()
        found = {row["config_id"]: _config_from_row(row) for row in rows}  # a config may match two ids
        return list(found.values())

    async def get_default(self, payment_type: str) -> PaymentConfig | None:
        """The type's live default, or None."""
        return await self._one(DEFAULT_CONFIG, payment_type)

    async def add(self, config: PaymentConfig) -> PaymentConfig:
        """Insert; a new default takes over from the previous one of its type in this transaction."""
        values = {**_config_values(config), "del_flag": PRESENT}
        values["create_time"] = values["create_time"] or values["update_time"]
        with storage_errors(f"adding a {config.payment_type} config"):
            await self._demote_default(config, 0)
            result = await self._conn.execute(sa.insert(payment_config).values(**values))
            key = result.inserted_primary_key
            assert key is not None
            await self._index_keys(config, int(key[0]))
        return dataclasses.replace(config, config_id=int(key[0]), create_time=values["create_time"],
                                   update_time=values["update_time"])

    async def update(self, config: PaymentConfig) -> None:
        """Write every field of a live config; a new default takes over."""
        values = _config_values(config)
        del values["create_time"]
        live = (C.config_id == config.config_id, C.del_flag == PRESENT)
        with storage_errors(f"updating config {config.config_id}"):
            # Lock the row first: a deleted (or concurrently deleted) config must not demote the default.
            if await self._conn.scalar(sa.select(C.config_id).where(*live).with_for_update()) is None:
                return
            await self._demote_default(config, config.config_id)
            await self._conn.execute(sa.update(payment_config).where(*live).values(**values))
            await self._index_keys(config, config.config_id)

    async def delete(self, config_id: int, by: str) -> bool:
        """Soft-delete; it stops being the default."""
        update = (sa.update(payment_config).where(C.config_id == config_id, C.del_flag == PRESENT)
                  .values(del_flag=DELETED, is_default="0", default_for=None, update_by=by,
                          update_time=datetime.now(UTC)))
        with storage_errors(f"deleting config {config_id}"):
            return (await self._conn.execute(update)).rowcount == 1

    async def list(self, include_deleted: bool = False) -> Sequence[PaymentConfig]:
        """Configs by id."""
        query = sa.select(payment_config).order_by(C.config_id)
        if not include_deleted:
            query = query.where(C.del_flag == PRESENT)
        with storage_errors("listing payment configs"):
            rows = (await self._conn.execute(query)).mappings().all()
        return [_config_from_row(r) for r in rows]

    async def reseal(self, config_id: int, sealed: Mapping[str, str]) -> None:
        """New ciphertexts for a config, deleted or not."""
        values = {name: sealed.get(name) for name in SECRET_COLUMNS}
        with storage_errors(f"re-sealing config {config_id}"):
            await self._conn.execute(sa.update(payment_config).where(C.config_id == config_id).values(**values))

    async def _index_keys(self, config: PaymentConfig, config_id: int) -> None:
        await self._conn.execute(sa.delete(config_key).where(K.config_id == config_id))
        rows = [{"payment_type": config.payment_type.value, "key_id": k,
                 "config_id": config_id} for k in _key_ids(config)]
        if rows:
            await self._conn.execute(sa.insert(config_key), rows)

    async def _demote_default(self, config: PaymentConfig, config_id: int) -> None:
        if config.is_default:
            await self._conn.execute(
                sa.update(payment_config).where(C.default_for == config.payment_type.value, C.config_id != config_id)
                .values(is_default="0", default_for=None))

    async def _one(self, query: sa.Select[Any], value: object) -> PaymentConfig | None:
        with storage_errors("reading payment configs"):
            row = (await self._conn.execute(query, {"value": value})).mappings().first()
        return _config_from_row(row) if row is not None else None


class SqlIdempotency:
    """IdempotencyStore: one row per (owner, key)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        """The record or None."""
        with storage_errors("reading an idempotency key"):
            row = (await self._conn.execute(IDEMPOTENCY_BY_KEY, {"owner": owner, "idem_key": key})).mappings().first()
        if row is None:
            return None
        return IdempotencyRecord(row["owner"], row["idem_key"], row["request_hash"], row["order_no"],
                                 row["create_time"])

    async def add(self, record: IdempotencyRecord) -> None:
        """Insert; DuplicateKey if the key is taken."""
        values = {"owner": record.owner, "idem_key": record.key, "request_hash": record.request_hash,
                  "order_no": record.order_no, "create_time": record.create_time}
        with storage_errors("adding an idempotency key"):
            await self._conn.execute(INSERT_IDEMPOTENCY, values)


def _key_from_row(row: RowMapping) -> ApiKey:
    extra: dict[str, Any] = {"webhook_secret": row["webhook_secret"]} if row["webhook_secret"] is not None else {}
    if row["previous_webhook_secret"] is not None:
        extra |= {"previous_webhook_secret": row["previous_webhook_secret"],
                  "previous_secret_until": row["previous_secret_until"]}
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
            row = (await self._conn.execute(KEY_BY_ID, {"key_id": key_id})).mappings().first()
        return _key_from_row(row) if row is not None else None

    async def list(self) -> Sequence[ApiKey]:
        """Every key, newest first."""
        query = sa.select(api_key).order_by(api_key.c.create_time.desc(), api_key.c.key_id.desc())
        with storage_errors("listing API keys"):
            found = (await self._conn.execute(query)).mappings().all()
        return [_key_from_row(r) for r in found]

    async def revoke(self, key_id: str) -> bool:
        """Revoke; False if there is no such key; LastAdminKey if it is the last active admin key.

        One guarded UPDATE: it revokes only while another active admin key remains. On PostgreSQL/MySQL the
        active admin rows are locked first, so two admins revoking each other wait in turn and the second
        sees the first's revocation (SQLite runs one writing statement at a time).
        """
        with storage_errors(f"revoking API key {key_id}"):
            key = await self.get(key_id)
            if key is None or key.revoked:
                return key is not None
            done = True
            if self._conn.dialect.name != "sqlite":  # a locking read sees the newest committed rows
                locked = ACTIVE_ADMINS.order_by(api_key.c.key_id).with_for_update()
                admins = set(await self._conn.scalars(locked))
                done = key.scope != "admin" or bool(admins - {key_id})
            done = done and (await self._conn.execute(_guarded_revoke(key_id))).rowcount == 1
        if not done:
            raise LastAdminKey(f"API key {key_id} is the last active admin key; issue another admin key first",
                               key_id=key_id)
        return True

    async def set_webhook_secrets(self, key_id: str, current: str, previous: str | None,
                                  previous_until: datetime | None) -> bool:
        """The sealed current webhook secret and the previous one with the end of its overlap."""
        update = (sa.update(api_key).where(api_key.c.key_id == key_id)
                  .values(webhook_secret=current, previous_webhook_secret=previous,
                          previous_secret_until=previous_until if previous is not None else None))
        with storage_errors(f"rotating the webhook secret of API key {key_id}"):
            return (await self._conn.execute(update)).rowcount == 1

    async def reseal(self, key_id: str, webhook_secret: str) -> None:
        """A new sealed webhook secret."""
        update = sa.update(api_key).where(api_key.c.key_id == key_id).values(webhook_secret=webhook_secret)
        with storage_errors(f"re-sealing API key {key_id}"):
            await self._conn.execute(update)
