"""The ConfigRepository and ApiKeyRepository contracts, against every backend."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from application.errors import ConcurrencyConflict, DuplicateKey
from application.ports.storage import UnitOfWorkFactory
from application.records import ApiKey, PaymentConfig
from domain.kinds import PaymentType
from tests.contract.helpers import at

# -- builders and probes ---------------------------------------------------------------------------


def full_config(name: str = "main", payment_type: str = "alipay", *, is_default: bool = False,
                tag: str = "a") -> PaymentConfig:
    """A config with every field set to a value distinct from its default; `tag` varies the values."""
    return PaymentConfig(
        config_id=0, payment_type=PaymentType(payment_type), config_name=name,
        app_id=f"2021000000000{tag}",
        notify_url=f"https://pay.example/{tag}/notify", return_url=f"https://shop.example/{tag}/paid",
        gateway_url=f"https://openapi.example/{tag}/gateway.do", is_sandbox=True, is_default=is_default,
        enabled=False, public_key=f"-----BEGIN PUBLIC KEY-----\nMII{tag}\n-----END PUBLIC KEY-----\n",
        key_ids=(f"PUB_KEY_ID_0114{tag}", f"5157F09E{tag}".upper()),
        settings={"mch_id": f"19000000{tag}", "seller_id": f"2088000000000{tag}", "cert_serial_no": f"5F3B{tag}",
                  "private_cert_path": f"/etc/paycore/{tag}/apiclient_key.pem",
                  "app_cert": f"-----BEGIN CERTIFICATE-----\napp {tag}\n-----END CERTIFICATE-----\n",
                  "alipay_public_key": f"MIIBIjANBgkqh{tag}", "wechat_public_key": f"PUB_KEY_{tag}",
                  "wechat_public_key_id": f"PUB_KEY_ID_0114{tag}",
                  "wechat_platform_cert": f"-----BEGIN CERTIFICATE-----\n{tag}\n-----END CERTIFICATE-----\n",
                  "alipay_cert": f"-----BEGIN CERTIFICATE-----\nalipay {tag}\n-----END CERTIFICATE-----\n",
                  "alipay_root_cert": f"-----BEGIN CERTIFICATE-----\nroot {tag}\n-----END CERTIFICATE-----\n"},
        remark=f"论文润色 {tag}", create_by=f"admin-{tag}", update_by=f"operator-{tag}",
        create_time=at(0), update_time=at(1),
        sealed={"private_key": f"pc1:k1:{tag}-private", "api_key": f"pc1:k1:{tag}-api",
                "api_v3_key": f"pc1:k1:{tag}-v3"},
    )


def changed(config: PaymentConfig, tag: str, **overrides: object) -> PaymentConfig:
    """Every writable field of a stored config changed (its id, type and create audit kept)."""
    fresh = full_config(config.config_name + " v2", config.payment_type, tag=tag)
    kept: dict[str, object] = {"config_id": config.config_id, "create_by": config.create_by,
                               "create_time": config.create_time, "is_sandbox": not config.is_sandbox,
                               "enabled": not config.enabled, "is_default": config.is_default,
                               "update_time": at(100)}
    return dataclasses.replace(fresh, **{**kept, **overrides})  # type: ignore[arg-type]


async def add_configs(uow_factory: UnitOfWorkFactory, *configs: PaymentConfig) -> list[PaymentConfig]:
    """Add and commit configs, each in its own unit; they come back with their ids."""
    added = []
    for config in configs:
        async with uow_factory() as uow:
            added.append(await uow.configs.add(config))
            await uow.commit()
    return added


async def get(uow_factory: UnitOfWorkFactory, config_id: int) -> PaymentConfig | None:
    """The committed live config, or None."""
    async with uow_factory() as uow:
        return await uow.configs.get(config_id)


async def default_of(uow_factory: UnitOfWorkFactory, payment_type: str = "alipay") -> PaymentConfig | None:
    """The committed default of a type, or None."""
    async with uow_factory() as uow:
        return await uow.configs.get_default(payment_type)


async def listed(uow_factory: UnitOfWorkFactory, include_deleted: bool = False) -> list[PaymentConfig]:
    """The committed configs, as list() gives them."""
    async with uow_factory() as uow:
        return list(await uow.configs.list(include_deleted=include_deleted))


async def defaults(uow_factory: UnitOfWorkFactory, payment_type: str = "alipay") -> list[int]:
    """The ids of every config of a type that claims to be the default, deleted ones included."""
    return [c.config_id for c in await listed(uow_factory, include_deleted=True)
            if c.payment_type == payment_type and c.is_default]


async def update(uow_factory: UnitOfWorkFactory, config: PaymentConfig) -> None:
    """Update and commit."""
    async with uow_factory() as uow:
        await uow.configs.update(config)
        await uow.commit()


async def delete(uow_factory: UnitOfWorkFactory, config_id: int, by: str = "ops") -> bool:
    """Delete and commit; whether there was such a live config."""
    async with uow_factory() as uow:
        found = await uow.configs.delete(config_id, by)
        await uow.commit()
    return found


def assert_utc(moment: datetime | None) -> None:
    """An aware UTC datetime."""
    assert moment is not None
    assert moment.utcoffset() == timedelta(0)


# -- add and get -----------------------------------------------------------------------------------


async def test_configs_added_in_one_unit_get_distinct_ids(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await uow.configs.add(PaymentConfig(0, PaymentType.ALIPAY, "one"))
        second = await uow.configs.add(PaymentConfig(0, PaymentType.WECHAT, "two"))
        await uow.commit()
    assert first.config_id != second.config_id


async def test_every_field_of_an_added_config_reads_back(uow_factory: UnitOfWorkFactory) -> None:
    config = full_config(is_default=True)
    (added,) = await add_configs(uow_factory, config)

    assert added == dataclasses.replace(config, config_id=added.config_id)
    stored = await get(uow_factory, added.config_id)
    assert stored == added
    assert stored is not None
    assert dict(stored.sealed) == dict(config.sealed)
    assert_utc(stored.create_time)
    assert_utc(stored.update_time)
    assert await default_of(uow_factory) == added


async def test_a_config_with_only_its_required_fields_reads_back_with_the_defaults(
    uow_factory: UnitOfWorkFactory,
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    (added,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.WECHAT, "bare"))

    stored = await get(uow_factory, added.config_id)
    assert stored == added
    assert stored is not None
    assert dataclasses.replace(stored, create_time=None, update_time=None) == PaymentConfig(
        added.config_id, PaymentType.WECHAT, "bare")
    assert dict(stored.sealed) == {}
    assert_utc(stored.create_time)
    assert_utc(stored.update_time)
    assert stored.create_time is not None
    assert before <= stored.create_time <= datetime.now(UTC) + timedelta(seconds=1)


async def test_some_secrets_may_be_missing(uow_factory: UnitOfWorkFactory) -> None:
    (added,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.WECHAT, "v3 only",
                                                            sealed={"api_v3_key": "pc1:k2:v3"}))
    stored = await get(uow_factory, added.config_id)
    assert stored is not None
    assert dict(stored.sealed) == {"api_v3_key": "pc1:k2:v3"}


async def test_unknown_configs_and_types_are_none(uow_factory: UnitOfWorkFactory) -> None:
    await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True))
    async with uow_factory() as uow:
        assert await uow.configs.get(999_999) is None
        assert await uow.configs.get_default("wechat") is None
        assert await uow.configs.get_default("ALIPAY") is None


async def test_many_configs_of_a_type_may_exist_beside_its_one_default(uow_factory: UnitOfWorkFactory) -> None:
    added = await add_configs(
        uow_factory,
        PaymentConfig(0, PaymentType.ALIPAY, "spare 1"),
        PaymentConfig(0, PaymentType.ALIPAY, "main", app_id="app-main", is_default=True),
        PaymentConfig(0, PaymentType.ALIPAY, "spare 2"),
    )
    async with uow_factory() as uow:
        assert await uow.configs.get_default("alipay") == added[1]
        assert await uow.configs.get_default("wechat") is None
        assert [await uow.configs.get(c.config_id) for c in added] == added


async def test_a_new_default_config_takes_over_from_the_previous_one(uow_factory: UnitOfWorkFactory) -> None:
    old, wechat, new = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "old", is_default=True),
                                         PaymentConfig(0, PaymentType.WECHAT, "main", is_default=True),
                                         PaymentConfig(0, PaymentType.ALIPAY, "new", is_default=True))
    assert await default_of(uow_factory) == new
    assert await get(uow_factory, old.config_id) == dataclasses.replace(old, is_default=False)
    assert await default_of(uow_factory, "wechat") == wechat


# -- update ----------------------------------------------------------------------------------------


async def test_every_field_of_an_updated_config_reads_back(uow_factory: UnitOfWorkFactory) -> None:
    (added,) = await add_configs(uow_factory, full_config())
    new = changed(added, "b")
    assert all(getattr(new, f.name) != getattr(added, f.name) for f in dataclasses.fields(PaymentConfig)
               if f.name not in ("config_id", "payment_type", "create_by", "create_time", "is_default", "deleted"))

    await update(uow_factory, new)

    stored = await get(uow_factory, added.config_id)
    assert stored == new
    assert stored is not None
    assert dict(stored.sealed) == dict(new.sealed)
    assert (stored.create_by, stored.create_time) == (added.create_by, added.create_time)
    assert_utc(stored.update_time)


async def test_an_update_may_drop_secrets_and_clear_optional_text(uow_factory: UnitOfWorkFactory) -> None:
    (added,) = await add_configs(uow_factory, full_config())
    kept = {"wechat_public_key_id", "alipay_cert", "alipay_root_cert"}
    cleared = dataclasses.replace(added, notify_url="", return_url="", public_key="", remark="", app_id="",
                                  settings={k: v for k, v in added.settings.items() if k in kept},
                                  sealed={"api_key": "pc1:k1:only-api"})
    await update(uow_factory, cleared)
    stored = await get(uow_factory, added.config_id)
    assert stored == cleared
    assert stored is not None
    assert dict(stored.sealed) == {"api_key": "pc1:k1:only-api"}


async def test_a_setting_of_any_name_and_size_reads_back(uow_factory: UnitOfWorkFactory) -> None:
    # A provider's settings need no column of their own: any name, and past MySQL's 64 KiB TEXT.
    big = "-----BEGIN CERTIFICATE-----\n" + "A" * 100_000 + "\n-----END CERTIFICATE-----\n"
    config = dataclasses.replace(full_config(), settings={"toy_merchant_cert": big, "toy_key_id": "键 1"})
    (added,) = await add_configs(uow_factory, config)
    assert (await get(uow_factory, added.config_id)) == added
    await update(uow_factory, added.with_setting("toy_key_id", "").with_setting("alipay_cert", "x"))
    stored = await get(uow_factory, added.config_id)
    assert stored is not None
    assert dict(stored.settings) == {"toy_merchant_cert": big, "alipay_cert": "x"}


async def test_an_update_keeps_the_creation_time(uow_factory: UnitOfWorkFactory) -> None:
    (added,) = await add_configs(uow_factory, full_config())
    await update(uow_factory, dataclasses.replace(added, create_time=at(50), update_time=at(60)))
    stored = await get(uow_factory, added.config_id)
    assert stored is not None
    assert (stored.create_time, stored.update_time) == (at(0), at(60))


async def test_an_update_without_an_update_time_is_stamped_now(uow_factory: UnitOfWorkFactory) -> None:
    (added,) = await add_configs(uow_factory, full_config())
    before = datetime.now(UTC) - timedelta(seconds=1)
    await update(uow_factory, dataclasses.replace(added, remark="stamped", update_time=None))
    stored = await get(uow_factory, added.config_id)
    assert stored is not None
    assert stored.remark == "stamped"
    assert_utc(stored.update_time)
    assert stored.update_time is not None
    assert before <= stored.update_time <= datetime.now(UTC) + timedelta(seconds=1)


async def test_an_update_to_default_demotes_the_previous_default_of_its_type(uow_factory: UnitOfWorkFactory) -> None:
    old, spare, other_type = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "old",
                                                                          is_default=True),
                                               PaymentConfig(0, PaymentType.ALIPAY, "spare"),
                                               PaymentConfig(0, PaymentType.WECHAT, "main", is_default=True))
    promoted = dataclasses.replace(spare, is_default=True, update_time=at(10))
    await update(uow_factory, promoted)

    assert await default_of(uow_factory) == promoted
    assert await get(uow_factory, old.config_id) == dataclasses.replace(old, is_default=False)
    assert await defaults(uow_factory) == [spare.config_id]
    assert await default_of(uow_factory, "wechat") == other_type


async def test_updating_the_default_as_default_keeps_it_the_default(uow_factory: UnitOfWorkFactory) -> None:
    (main,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True))
    renamed = dataclasses.replace(main, config_name="main v2", update_time=at(10))
    await update(uow_factory, renamed)
    assert await default_of(uow_factory) == renamed


async def test_an_update_of_a_non_default_keeps_the_other_default(uow_factory: UnitOfWorkFactory) -> None:
    main, spare = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True),
                                    PaymentConfig(0, PaymentType.ALIPAY, "spare"))
    renamed = dataclasses.replace(spare, config_name="spare v2", update_time=at(10))
    await update(uow_factory, renamed)
    assert await default_of(uow_factory) == main
    assert await get(uow_factory, spare.config_id) == renamed


async def test_an_update_may_stop_a_config_being_the_default(uow_factory: UnitOfWorkFactory) -> None:
    (main,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True))
    demoted = dataclasses.replace(main, is_default=False, update_time=at(10))
    await update(uow_factory, demoted)
    assert await default_of(uow_factory) is None
    assert await get(uow_factory, main.config_id) == demoted


async def test_a_config_added_and_updated_in_one_unit_reads_back_as_updated(uow_factory: UnitOfWorkFactory) -> None:
    # What creating a config through the admin API does: add for the id, then seal the secrets to it.
    (old,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "old", is_default=True))
    async with uow_factory() as uow:
        stored = await uow.configs.add(dataclasses.replace(full_config(is_default=True), sealed={}))
        sealed = dataclasses.replace(stored, sealed={"private_key": f"pc1:k1:{stored.config_id}"})
        await uow.configs.update(sealed)
        await uow.commit()
    assert await get(uow_factory, stored.config_id) == sealed
    assert await defaults(uow_factory) == [stored.config_id]
    assert await get(uow_factory, old.config_id) == dataclasses.replace(old, is_default=False)


async def test_an_update_of_a_deleted_config_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    gone, main = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "gone"),
                                   PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True))
    assert await delete(uow_factory, gone.config_id)
    before = await listed(uow_factory, include_deleted=True)

    await update(uow_factory, dataclasses.replace(gone, config_name="back", is_default=True))

    assert await get(uow_factory, gone.config_id) is None
    assert await default_of(uow_factory) == main
    assert await listed(uow_factory, include_deleted=True) == before


# -- delete ----------------------------------------------------------------------------------------


async def test_a_deleted_config_is_gone_except_from_the_full_list(uow_factory: UnitOfWorkFactory) -> None:
    main, spare = await add_configs(uow_factory, full_config(is_default=True),
                                    full_config("spare", tag="b"))
    before = datetime.now(UTC) - timedelta(seconds=1)

    assert await delete(uow_factory, main.config_id, by="ops-1")

    assert await get(uow_factory, main.config_id) is None
    assert await default_of(uow_factory) is None
    assert await listed(uow_factory) == [spare]
    kept, still = await listed(uow_factory, include_deleted=True)
    assert still == spare
    assert dataclasses.replace(kept, update_time=None) == dataclasses.replace(
        main, is_default=False, update_by="ops-1", update_time=None, deleted=True)
    assert dict(kept.sealed) == dict(main.sealed)
    assert_utc(kept.update_time)
    assert kept.update_time is not None
    assert before <= kept.update_time <= datetime.now(UTC) + timedelta(seconds=1)


async def test_deleting_a_non_default_keeps_the_default(uow_factory: UnitOfWorkFactory) -> None:
    main, spare = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main", is_default=True),
                                    PaymentConfig(0, PaymentType.ALIPAY, "spare"))
    assert await delete(uow_factory, spare.config_id)
    assert await default_of(uow_factory) == main
    assert await listed(uow_factory) == [main]


async def test_a_type_may_get_a_new_default_after_its_default_was_deleted(uow_factory: UnitOfWorkFactory) -> None:
    (old,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "old", is_default=True))
    assert await delete(uow_factory, old.config_id)
    (new,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "new", is_default=True))
    assert await default_of(uow_factory) == new
    assert await defaults(uow_factory) == [new.config_id]


async def test_deleting_an_unknown_or_deleted_config_finds_nothing(uow_factory: UnitOfWorkFactory) -> None:
    (config,) = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "main"))
    assert not await delete(uow_factory, 999_999)
    assert await delete(uow_factory, config.config_id, by="first")
    assert not await delete(uow_factory, config.config_id, by="second")
    (kept,) = await listed(uow_factory, include_deleted=True)
    assert kept.update_by == "first"


# -- list ------------------------------------------------------------------------------------------


async def test_configs_list_by_id_whatever_was_written_last(uow_factory: UnitOfWorkFactory) -> None:
    added = await add_configs(uow_factory, *(PaymentConfig(0, PaymentType(t), f"c{i}") for i, t in
                                             enumerate(["alipay", "wechat", "alipay", "wechat", "alipay"])))
    ids = [c.config_id for c in added]
    assert ids == sorted(ids)
    # Rewrite the first rows, so a heap-ordered scan would return them last.
    first = dataclasses.replace(added[0], config_name="c0 v2", is_default=True, update_time=at(5))
    second = dataclasses.replace(added[1], config_name="c1 v2", update_time=at(5))
    await update(uow_factory, first)
    await update(uow_factory, second)
    assert await delete(uow_factory, added[2].config_id)

    expected = [first, second, *added[3:]]
    assert await listed(uow_factory) == expected
    everything = await listed(uow_factory, include_deleted=True)
    assert [c.config_id for c in everything] == ids
    assert everything[2].config_name == "c2"
    assert not everything[2].is_default
    assert [c.deleted for c in everything] == [c.config_id == added[2].config_id for c in everything]


async def test_no_configs_list_empty(uow_factory: UnitOfWorkFactory) -> None:
    assert await listed(uow_factory) == []
    assert await listed(uow_factory, include_deleted=True) == []


# -- reseal ----------------------------------------------------------------------------------------


async def test_reseal_replaces_the_ciphertexts_of_live_and_deleted_configs_and_nothing_else(
    uow_factory: UnitOfWorkFactory,
) -> None:
    live, gone, other = await add_configs(uow_factory, full_config(is_default=True),
                                          full_config("gone", tag="b"), full_config("other", tag="c"))
    assert await delete(uow_factory, gone.config_id)
    (gone_before,) = [c for c in await listed(uow_factory, include_deleted=True) if c.config_id == gone.config_id]

    fresh_live = {"private_key": "pc1:k2:live-private", "api_key": "pc1:k2:live-api", "api_v3_key": "pc1:k2:live-v3"}
    fresh_gone = {"private_key": "pc1:k2:gone-private", "api_v3_key": "pc1:k2:gone-v3"}
    async with uow_factory() as uow:
        await uow.configs.reseal(live.config_id, fresh_live)
        await uow.configs.reseal(gone.config_id, fresh_gone)
        await uow.configs.reseal(999_999, fresh_live)
        await uow.commit()

    assert await get(uow_factory, live.config_id) == dataclasses.replace(live, sealed=fresh_live)
    assert await default_of(uow_factory) == dataclasses.replace(live, sealed=fresh_live)
    assert await get(uow_factory, other.config_id) == other
    assert await get(uow_factory, gone.config_id) is None
    everything = {c.config_id: c for c in await listed(uow_factory, include_deleted=True)}
    assert everything[gone.config_id] == dataclasses.replace(gone_before, sealed=fresh_gone)
    assert dict(everything[gone.config_id].sealed) == fresh_gone
    assert sorted(everything) == sorted(c.config_id for c in (live, gone, other))


# -- rollback --------------------------------------------------------------------------------------


async def test_config_writes_without_a_commit_leave_nothing(uow_factory: UnitOfWorkFactory) -> None:
    main, spare, gone = await add_configs(uow_factory, full_config(is_default=True), full_config("spare", tag="b"),
                                          full_config("gone", tag="c"))
    assert await delete(uow_factory, gone.config_id)
    before = await listed(uow_factory, include_deleted=True)

    async with uow_factory() as uow:
        await uow.configs.add(full_config("new", is_default=True, tag="d"))
    async with uow_factory() as uow:
        await uow.configs.update(changed(spare, "e", is_default=True))
    async with uow_factory() as uow:
        await uow.configs.update(changed(main, "f", is_default=False))
    async with uow_factory() as uow:
        assert await uow.configs.delete(main.config_id, "ops")
    async with uow_factory() as uow:
        await uow.configs.reseal(main.config_id, {"private_key": "pc1:k9:x"})
        await uow.configs.reseal(gone.config_id, {})

    assert await listed(uow_factory, include_deleted=True) == before
    assert await default_of(uow_factory) == main


async def test_a_failed_unit_leaves_nothing(uow_factory: UnitOfWorkFactory) -> None:
    (main,) = await add_configs(uow_factory, full_config(is_default=True))
    before = await listed(uow_factory, include_deleted=True)

    async def fail_midway() -> None:
        async with uow_factory() as uow:
            await uow.configs.add(full_config("new", is_default=True, tag="d"))
            assert await uow.configs.delete(main.config_id, "ops")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_midway()

    assert await listed(uow_factory, include_deleted=True) == before


# -- racing defaults -------------------------------------------------------------------------------


@pytest.mark.parametrize("previous_default", [False, True], ids=["no-default", "with-default"])
async def test_two_units_making_different_configs_the_default_at_once_leave_one_default(
    uow_factory: UnitOfWorkFactory, previous_default: bool,
) -> None:
    old, first, second = await add_configs(uow_factory, PaymentConfig(0, PaymentType.ALIPAY, "old",
                                                                      is_default=previous_default),
                                           PaymentConfig(0, PaymentType.ALIPAY, "first"),
                                           PaymentConfig(0, PaymentType.ALIPAY, "second"))
    both_read = asyncio.Barrier(2)

    async def promote(config: PaymentConfig) -> None:
        async with uow_factory() as uow:
            current = await uow.configs.get(config.config_id)
            assert current is not None
            await both_read.wait()
            await uow.configs.update(dataclasses.replace(current, is_default=True, update_time=at(10)))
            await uow.commit()

    results = await asyncio.wait_for(asyncio.gather(promote(first), promote(second), return_exceptions=True), 30)

    for result in results:
        assert result is None or isinstance(result, ConcurrencyConflict | DuplicateKey), repr(result)
    assert any(r is None for r in results)
    winners = {c.config_id for c, r in zip((first, second), results, strict=True) if r is None}
    found = await defaults(uow_factory)
    assert len(found) == 1
    assert found[0] in winners
    default = await default_of(uow_factory)
    assert default is not None
    assert default.config_id == found[0]
    assert old.config_id not in found


# -- API keys --------------------------------------------------------------------------------------


def api_key(key_id: str, seconds: float, webhook_url: str | None = None, secret: str | None = None) -> ApiKey:
    """A payments key created T0 + seconds."""
    extra = {"webhook_secret": secret} if secret else {}
    return ApiKey(key_id, f"shop {key_id}", "payments", "ab" * 32, at(seconds), webhook_url, extra=extra)


async def add_keys(uow_factory: UnitOfWorkFactory, *keys: ApiKey) -> None:
    """Add and commit keys in one unit."""
    async with uow_factory() as uow:
        for key in keys:
            await uow.api_keys.add(key)
        await uow.commit()


async def all_keys(uow_factory: UnitOfWorkFactory) -> list[ApiKey]:
    """The committed keys, as list() gives them."""
    async with uow_factory() as uow:
        return list(await uow.api_keys.list())


async def test_every_field_of_an_api_key_reads_back(uow_factory: UnitOfWorkFactory) -> None:
    full = ApiKey("0123456789abcdef", "论文 shop", "admin", "cd" * 32, at(0), "https://shop.example/hooks/paycore",
                  revoked=True, extra={"webhook_secret": "pc1:k1:whsec"})
    bare = ApiKey("fedcba9876543210", "bare", "payments", "ef" * 32, at(1))
    await add_keys(uow_factory, full, bare)
    async with uow_factory() as uow:
        got_full, got_bare = await uow.api_keys.get(full.key_id), await uow.api_keys.get(bare.key_id)
        assert await uow.api_keys.get("missing") is None
    assert (got_full, got_bare) == (full, bare)
    assert got_full is not None
    assert got_bare is not None
    assert_utc(got_full.create_time)
    assert got_bare.webhook_url is None
    assert got_bare.extra == {}


async def test_api_keys_read_back_newest_first_and_can_be_revoked(uow_factory: UnitOfWorkFactory) -> None:
    old = api_key("0123456789abcdef", 0)
    new = api_key("fedcba9876543210", 5, "https://shop.example/hooks", "whsec_c2VjcmV0")
    await add_keys(uow_factory, old, new)
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
    assert revoked == dataclasses.replace(old, revoked=True)
    assert still == new
    assert await all_keys(uow_factory) == [new, dataclasses.replace(old, revoked=True)]


async def test_api_keys_list_newest_first_whatever_the_order_they_were_added(uow_factory: UnitOfWorkFactory) -> None:
    middle, newest, oldest = api_key("k-middle", 10), api_key("k-newest", 20), api_key("k-oldest", 0)
    tie_a, tie_b = api_key("k-tie-a", 15), api_key("k-tie-b", 15)
    await add_keys(uow_factory, middle, tie_a, newest)
    await add_keys(uow_factory, tie_b, oldest)
    # Keys created at the same instant list by key id, descending, so a listing is stable.
    assert await all_keys(uow_factory) == [newest, tie_b, tie_a, middle, oldest]


async def test_no_api_keys_list_empty(uow_factory: UnitOfWorkFactory) -> None:
    assert await all_keys(uow_factory) == []


async def test_an_api_key_id_cannot_be_reused(uow_factory: UnitOfWorkFactory) -> None:
    first = api_key("0123456789abcdef", 0)
    await add_keys(uow_factory, first)
    with pytest.raises(DuplicateKey):
        await add_keys(uow_factory, api_key("0123456789abcdef", 5, "https://other.example/hooks", "pc1:k1:x"))
    assert await all_keys(uow_factory) == [first]


async def test_revoking_twice_still_finds_the_key(uow_factory: UnitOfWorkFactory) -> None:
    key = api_key("0123456789abcdef", 0)
    await add_keys(uow_factory, key)
    for _ in range(2):
        async with uow_factory() as uow:
            assert await uow.api_keys.revoke(key.key_id)
            await uow.commit()
    assert await all_keys(uow_factory) == [dataclasses.replace(key, revoked=True)]


async def test_reseal_replaces_the_webhook_secret_only(uow_factory: UnitOfWorkFactory) -> None:
    hooked = api_key("0123456789abcdef", 0, "https://shop.example/hooks", "pc1:k1:old")
    revoked = dataclasses.replace(api_key("1111111111111111", 1, "https://b.example/hooks", "pc1:k1:b"), revoked=True)
    other = api_key("fedcba9876543210", 2, "https://other.example/hooks", "pc1:k1:other")
    await add_keys(uow_factory, hooked, revoked, other)

    async with uow_factory() as uow:
        await uow.api_keys.reseal(hooked.key_id, "pc1:k2:new")
        await uow.api_keys.reseal(revoked.key_id, "pc1:k2:b")
        await uow.api_keys.reseal("missing", "pc1:k2:nobody")
        await uow.commit()

    assert await all_keys(uow_factory) == [
        other,
        dataclasses.replace(revoked, extra={"webhook_secret": "pc1:k2:b"}),
        dataclasses.replace(hooked, extra={"webhook_secret": "pc1:k2:new"}),
    ]


async def test_revoke_and_reseal_in_one_unit_both_stick(uow_factory: UnitOfWorkFactory) -> None:
    key = api_key("0123456789abcdef", 0, "https://shop.example/hooks", "pc1:k1:old")
    await add_keys(uow_factory, key)
    async with uow_factory() as uow:
        await uow.api_keys.reseal(key.key_id, "pc1:k2:new")
        assert await uow.api_keys.revoke(key.key_id)
        await uow.commit()
    assert await all_keys(uow_factory) == [dataclasses.replace(key, revoked=True,
                                                                extra={"webhook_secret": "pc1:k2:new"})]


async def test_api_key_writes_without_a_commit_leave_nothing(uow_factory: UnitOfWorkFactory) -> None:
    key = api_key("0123456789abcdef", 0, "https://shop.example/hooks", "pc1:k1:old")
    await add_keys(uow_factory, key)

    async with uow_factory() as uow:
        await uow.api_keys.add(api_key("fedcba9876543210", 5))
    async with uow_factory() as uow:
        assert await uow.api_keys.revoke(key.key_id)
    async with uow_factory() as uow:
        await uow.api_keys.reseal(key.key_id, "pc1:k2:new")

    assert await all_keys(uow_factory) == [key]
