"""Keeping WeChat platform certificates paycore learned on their config, so every process and restart trusts them
and callbacks signed with them find their config (`key_ids`, indexed in paycore_config_key)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.gateways.wechat.keys import certificates, serial_hex
from adapters.gateways.wechat.platform_certs import pem_of
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig


def certificate_keeper(uow: UnitOfWorkFactory,
                       now: Callable[[], datetime]) -> Callable[[int, list[str]], Awaitable[None]]:
    """`keep(config_id, pems)`: add trusted platform certificates to the config's wechat_platform_cert (expired ones
    dropped) and their serials to its key ids, once."""

    async def keep(config_id: int, pems: list[str]) -> None:
        async with uow() as unit:
            config = await unit.configs.get(config_id)
            if config is None:
                return
            kept = with_certificates(config, pems, now())
            if kept == config:
                return
            await unit.configs.update(kept)
            await unit.commit()

    return keep


def with_certificates(config: PaymentConfig, pems: list[str], at: datetime) -> PaymentConfig:
    """The config trusting these certificates too: its unexpired ones and the new ones, oldest first."""
    known = {cert.serial_number: cert for cert in certificates((config.setting("wechat_platform_cert"), *pems))
             if cert.not_valid_after_utc > at}
    if not known or all(cert.serial_number in _serials(config) for cert in certificates(tuple(pems))):
        return config
    ordered = sorted(known.values(), key=lambda cert: cert.not_valid_before_utc)
    serials = [serial_hex(cert) for cert in ordered]
    key_ids = tuple(dict.fromkeys(k for k in (config.setting("wechat_public_key_id"), *serials) if k))
    kept = config.with_setting("wechat_platform_cert", "".join(pem_of(cert) for cert in ordered))
    return dataclasses.replace(kept, key_ids=key_ids)


def _serials(config: PaymentConfig) -> set[int]:
    return {cert.serial_number for cert in certificates((config.setting("wechat_platform_cert"),))}
