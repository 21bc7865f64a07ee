"""Keeping a certificate Alipay rotated to on its config, so every process and restart trusts it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.gateways.alipay import certs
from application.ports.storage import UnitOfWorkFactory


def certificate_keeper(uow: UnitOfWorkFactory) -> Callable[[int, str], Awaitable[None]]:
    """`keep(config_id, pem)`: append a trusted Alipay certificate to the config's alipay_cert (disabled and
    deleted configs too: their payments still settle), once."""

    async def keep(config_id: int, pem: str) -> None:
        async with uow() as unit:
            config = await unit.configs.get(config_id, include_deleted=True)
            known = config.setting("alipay_cert") if config is not None else ""
            if config is None or all(block in known for block in certs.pem_blocks(pem)):
                return
            await unit.configs.update(config.with_setting("alipay_cert", certs.bundle([known, pem])))
            await unit.commit()

    return keep
