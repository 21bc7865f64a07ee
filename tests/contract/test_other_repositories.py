"""The idempotency store contract, against every backend; configs and API keys are in test_config_repository."""

from __future__ import annotations

import pytest

from application.errors import DuplicateKey
from application.ports.storage import UnitOfWorkFactory
from application.records import IdempotencyRecord
from tests.contract.helpers import at


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
