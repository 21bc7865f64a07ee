"""ConfigRepository contract, routing part: configs found by the provider keys they trust, and configs found by
id after they were disabled or deleted (their payments still settle)."""

from __future__ import annotations

import dataclasses

from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig
from domain.kinds import PaymentType
from tests.contract.test_config_repository import add_configs, delete, update


def wechat(name: str, *key_ids: str, enabled: bool = True) -> PaymentConfig:
    """A WeChat config trusting these key ids."""
    return PaymentConfig(0, PaymentType.WECHAT, name, app_id=f"wx{name}", settings={"mch_id": "1900000109"},
                         key_ids=key_ids,
                         enabled=enabled)


async def by_key(uow_factory: UnitOfWorkFactory, *key_ids: str, payment_type: str = "wechat",
                 limit: int = 20) -> list[int]:
    """The ids of the configs by_key finds, in its order."""
    async with uow_factory() as uow:
        return [c.config_id for c in await uow.configs.by_key(payment_type, key_ids, limit)]


async def test_every_config_sharing_a_key_is_found_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    shop, mini, web, other = await add_configs(
        uow_factory, wechat("shop", "PUB_KEY_ID_1"), wechat("mini", "PUB_KEY_ID_1"),
        wechat("web", "PUB_KEY_ID_1", "5157F09E"), wechat("other", "PUB_KEY_ID_2"))
    assert await by_key(uow_factory, "PUB_KEY_ID_1") == [web.config_id, mini.config_id, shop.config_id]
    assert await by_key(uow_factory, "5157F09E") == [web.config_id]
    assert await by_key(uow_factory, "PUB_KEY_ID_2") == [other.config_id]


async def test_a_config_matching_two_of_the_ids_is_found_once(uow_factory: UnitOfWorkFactory) -> None:
    (web,) = await add_configs(uow_factory, wechat("web", "PUB_KEY_ID_1", "5157F09E"))
    assert await by_key(uow_factory, "PUB_KEY_ID_1", "5157F09E") == [web.config_id]


async def test_unknown_keys_no_keys_and_other_types_find_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await add_configs(uow_factory, wechat("shop", "PUB_KEY_ID_1"))
    assert await by_key(uow_factory, "PUB_KEY_ID_9") == []
    assert await by_key(uow_factory) == []
    assert await by_key(uow_factory, "PUB_KEY_ID_1", payment_type=PaymentType.ALIPAY) == []


async def test_disabled_and_deleted_configs_are_still_found_by_key(uow_factory: UnitOfWorkFactory) -> None:
    live, off, gone = await add_configs(uow_factory, wechat("live", "K1"), wechat("off", "K1", enabled=False),
                                        wechat("gone", "K1"))
    assert await delete(uow_factory, gone.config_id)
    assert await by_key(uow_factory, "K1") == [gone.config_id, off.config_id, live.config_id]


async def test_the_lookup_is_bounded(uow_factory: UnitOfWorkFactory) -> None:
    added = await add_configs(uow_factory, *(wechat(f"app{i}", "K1") for i in range(4)))
    assert await by_key(uow_factory, "K1", limit=2) == [added[3].config_id, added[2].config_id]


async def test_an_update_replaces_the_keys_a_config_is_found_by(uow_factory: UnitOfWorkFactory) -> None:
    (config,) = await add_configs(uow_factory, wechat("shop", "OLD_KEY", "OLD_CERT"))
    await update(uow_factory, dataclasses.replace(config, key_ids=("NEW_KEY",)))
    assert await by_key(uow_factory, "OLD_KEY", "OLD_CERT") == []
    assert await by_key(uow_factory, "NEW_KEY") == [config.config_id]
    async with uow_factory() as uow:
        assert (await uow.configs.by_key("wechat", ["NEW_KEY"]))[0].key_ids == ("NEW_KEY",)


async def test_a_deleted_config_is_found_by_id_only_when_asked_for(uow_factory: UnitOfWorkFactory) -> None:
    (gone,) = await add_configs(uow_factory, wechat("gone", "K1"))
    assert await delete(uow_factory, gone.config_id)
    async with uow_factory() as uow:
        assert await uow.configs.get(gone.config_id) is None
        found = await uow.configs.get(gone.config_id, include_deleted=True)
        assert await uow.configs.get(gone.config_id + 1000, include_deleted=True) is None
    assert found is not None
    assert (found.config_id, found.config_name, found.key_ids) == (gone.config_id, "gone", ("K1",))
