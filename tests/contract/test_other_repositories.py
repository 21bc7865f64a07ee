"""The config, idempotency and API key repository contracts, against every backend."""

from __future__ import annotations

import pytest

from application.errors import DuplicateKey
from application.ports import ApiKey, IdempotencyRecord, PaymentConfig, UnitOfWorkFactory
from tests.contract.helpers import at


async def add_configs(uow_factory: UnitOfWorkFactory, *configs: PaymentConfig) -> list[PaymentConfig]:
    """Add and commit configs, each in its own unit; they come back with their ids."""
    added = []
    for config in configs:
        async with uow_factory() as uow:
            added.append(await uow.configs.add(config))
            await uow.commit()
    return added


async def test_configs_added_in_one_unit_get_distinct_ids(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await uow.configs.add(PaymentConfig(0, "alipay", "one"))
        second = await uow.configs.add(PaymentConfig(0, "wechat", "two"))
        await uow.commit()
    assert first.config_id != second.config_id


async def test_configs_get_ids_and_read_back_as_added(uow_factory: UnitOfWorkFactory) -> None:
    sandbox = PaymentConfig(0, "alipay", "sandbox", app_id="2021000000000001", seller_id="2088000000000001",
                            notify_url="http://127.0.0.1:8000/n", return_url="https://shop.example/paid",
                            gateway_url="http://127.0.0.1:9100/gateway.do", is_sandbox=True, enabled=False)
    wechat = PaymentConfig(0, "wechat", "main", app_id="wx1", mch_id="1900000001")
    added = await add_configs(uow_factory, sandbox, wechat)

    assert len({c.config_id for c in added}) == 2
    async with uow_factory() as uow:
        assert [await uow.configs.get(c.config_id) for c in added] == added
        assert await uow.configs.get(999_999) is None
    assert added[0].config_name == "sandbox"
    assert not added[0].enabled


async def test_many_configs_of_a_type_may_exist_beside_its_one_default(uow_factory: UnitOfWorkFactory) -> None:
    added = await add_configs(
        uow_factory,
        PaymentConfig(0, "alipay", "spare 1"),
        PaymentConfig(0, "alipay", "main", app_id="app-main", is_default=True),
        PaymentConfig(0, "alipay", "spare 2"),
    )
    async with uow_factory() as uow:
        assert await uow.configs.get_default("alipay") == added[1]
        assert await uow.configs.get_default("wechat") is None
        assert [await uow.configs.get(c.config_id) for c in added] == added


async def test_a_new_default_config_takes_over_from_the_previous_one(uow_factory: UnitOfWorkFactory) -> None:
    old, new = await add_configs(uow_factory, PaymentConfig(0, "alipay", "old", is_default=True),
                                 PaymentConfig(0, "alipay", "new", is_default=True))
    async with uow_factory() as uow:
        assert await uow.configs.get_default("alipay") == new
        demoted = await uow.configs.get(old.config_id)
    assert demoted is not None
    assert not demoted.is_default


async def test_an_idempotency_record_reads_back_and_its_key_cannot_be_reused(uow_factory: UnitOfWorkFactory) -> None:
    record = IdempotencyRecord("k1", "a" * 255, "f" * 64, "T20261124001", at(0))
    async with uow_factory() as uow:
        await uow.idempotency.add(record)
        await uow.idempotency.add(IdempotencyRecord("k2", "a" * 255, "e" * 64, "T20261124002", at(1)))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.idempotency.get("k1", "a" * 255) == record
        assert await uow.idempotency.get("k1", "b") is None
        assert await uow.idempotency.get("k3", "a" * 255) is None

    async def reuse() -> None:
        async with uow_factory() as uow:
            await uow.idempotency.add(IdempotencyRecord("k1", "a" * 255, "0" * 64, "T20261124003", at(2)))
            await uow.commit()

    with pytest.raises(DuplicateKey):
        await reuse()


async def test_idempotency_keys_differing_only_in_case_are_different_keys(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.idempotency.add(IdempotencyRecord("k1", "Key-1", "f" * 64, "T20261124001", at(0)))
        await uow.idempotency.add(IdempotencyRecord("k1", "key-1", "e" * 64, "T20261124002", at(0)))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.idempotency.get("k1", "key-1")
    assert found is not None
    assert found.order_no == "T20261124002"


def api_key(key_id: str, seconds: float, webhook_url: str | None = None, secret: str | None = None) -> ApiKey:
    """A payments key created T0 + seconds."""
    extra = {"webhook_secret": secret} if secret else {}
    return ApiKey(key_id, f"shop {key_id}", "payments", "ab" * 32, at(seconds), webhook_url, extra=extra)


async def test_api_keys_read_back_newest_first_and_can_be_revoked(uow_factory: UnitOfWorkFactory) -> None:
    old = api_key("0123456789abcdef", 0)
    new = api_key("fedcba9876543210", 5, "https://shop.example/hooks", "whsec_c2VjcmV0")
    async with uow_factory() as uow:
        await uow.api_keys.add(old)
        await uow.api_keys.add(new)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.api_keys.get(old.key_id) == old
        assert await uow.api_keys.get(new.key_id) == new
        assert list(await uow.api_keys.list()) == [new, old]
        assert await uow.api_keys.get("missing") is None

    async with uow_factory() as uow:
        assert await uow.api_keys.revoke(old.key_id)
        assert not await uow.api_keys.revoke("missing")
        await uow.commit()
    async with uow_factory() as uow:
        revoked = await uow.api_keys.get(old.key_id)
        still = await uow.api_keys.get(new.key_id)
    assert revoked is not None
    assert revoked.revoked
    assert still == new
