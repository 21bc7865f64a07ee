"""Planning a reconciliation: one listing of the configs (deleted ones included) decides both which accounts to
reconcile (enabled, live configs) and which configs each account's bill is matched against (all of the account's,
disabled and deleted too)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from adapters.memory.uow import MemoryConfigs, MemoryUnitOfWorkFactory
from application.bills import Discrepancy, RunEnd, RunStart
from application.ports.storage import UnitOfWorkFactory
from application.reconcile import Reconcile
from application.records import PaymentConfig
from domain.kinds import PaymentType

NOW = datetime(2026, 11, 25, 4, tzinfo=UTC)  # 12:00 in Beijing


class Clock:
    def now(self) -> datetime:
        return NOW


class Runs:
    """Runs recorded as started."""

    def __init__(self) -> None:
        self.started: list[RunStart] = []

    async def start(self, run: RunStart) -> int:
        self.started.append(run)
        return len(self.started)

    async def finish(self, run_id: int, end: RunEnd, found: Sequence[Discrepancy]) -> None:
        raise AssertionError("planning finishes nothing")


async def test_one_listing_plans_each_account_with_every_config_that_shares_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    factory = MemoryUnitOfWorkFactory()
    made = {}
    async with factory() as uow:
        for name, app_id, enabled in (("live", "A1", True), ("gone", "A1", True), ("off", "A1", False),
                                      ("other", "A2", True), ("only off", "A3", False)):
            made[name] = await uow.configs.add(PaymentConfig(0, PaymentType.ALIPAY, name, app_id=app_id,
                                                             enabled=enabled))
        await uow.commit()
    async with factory() as uow:
        assert await uow.configs.delete(made["gone"].config_id, "ops")
        await uow.commit()
    listings: list[bool] = []
    listed = MemoryConfigs.list

    async def counted(self: MemoryConfigs, include_deleted: bool = False) -> Sequence[PaymentConfig]:
        listings.append(include_deleted)
        return await listed(self, include_deleted)

    monkeypatch.setattr(MemoryConfigs, "list", counted)
    runs = Runs()
    reconcile = Reconcile(cast(UnitOfWorkFactory, factory), cast(Any, None), {"alipay": lambda c: c.app_id},
                          cast(Any, None), runs, Clock(), cast(Any, None))

    planned = await reconcile.plan(date(2026, 11, 24))

    assert listings == [True]  # once, deleted configs included
    assert [(p.account, p.config.config_name, sorted(p.config_ids)) for p in planned] == [
        ("A1", "live", sorted(made[n].config_id for n in ("live", "gone", "off"))),
        ("A2", "other", [made["other"].config_id])]
    assert [r.account for r in runs.started] == ["A1", "A2"]
