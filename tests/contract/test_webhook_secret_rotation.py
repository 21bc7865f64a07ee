"""ApiKeyRepository contract, rotation part: the current and previous sealed webhook secrets read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports.storage import UnitOfWorkFactory
from application.records import ApiKey

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def test_a_rotation_keeps_the_previous_secret_until_its_end_and_a_second_one_drops_it(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.api_keys.add(ApiKey("0123456789abcdef", "shop", "payments", "h", T0,
                                      extra={"webhook_secret": "pc1:k1:old"}))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.api_keys.set_webhook_secrets("0123456789abcdef", "pc1:k1:new", "pc1:k1:old",
                                                      T0 + timedelta(hours=24))
        assert not await uow.api_keys.set_webhook_secrets("ffffffffffffffff", "x", None, None)
        await uow.commit()
    async with uow_factory() as uow:
        key = await uow.api_keys.get("0123456789abcdef")
    assert key is not None
    assert key.extra == {"webhook_secret": "pc1:k1:new", "previous_webhook_secret": "pc1:k1:old",
                         "previous_secret_until": T0 + timedelta(hours=24)}

    async with uow_factory() as uow:
        await uow.api_keys.set_webhook_secrets("0123456789abcdef", "pc1:k1:newest", None, None)
        await uow.commit()
    async with uow_factory() as uow:
        key = await uow.api_keys.get("0123456789abcdef")
    assert key is not None
    assert key.extra == {"webhook_secret": "pc1:k1:newest"}
