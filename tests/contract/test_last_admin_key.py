"""The last active admin key cannot be revoked, even by two admins revoking each other at the same moment
(each revocation in its own unit of work: real separate sessions on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import LastAdminKey
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.e2e.conftest import TEST_MASTER_KEYS

ROUNDS = 8


async def test_two_last_admin_keys_revoking_each_other_at_once_leave_one(database_url: str) -> None:
    container = build_container(Settings(database_url=database_url, master_keys=TEST_MASTER_KEYS))
    keys = container.api_keys()
    try:
        survivor = (await keys.issue("ops", "admin")).key
        for n in range(ROUNDS):
            other = (await keys.issue(f"ops {n}", "admin")).key
            results = await asyncio.gather(keys.revoke(survivor.key_id), keys.revoke(other.key_id),
                                           return_exceptions=True)
            assert sorted(type(r).__name__ for r in results) == ["LastAdminKey", "bool"], results
            active = [k for k in await keys.list() if k.scope == "admin" and not k.revoked]
            assert len(active) == 1, f"round {n}: {len(active)} active admin keys"
            [survivor] = active
        with pytest.raises(LastAdminKey):
            await keys.revoke(survivor.key_id)
        payments = (await keys.issue("shop", "payments")).key
        assert await keys.revoke(payments.key_id) is True  # only admin keys are guarded
    finally:
        await container.engine().dispose()
