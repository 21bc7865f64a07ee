"""A provider notification: pick its config, verify it, apply it once, and log it whatever happens."""

from __future__ import annotations

import json

from application.apply_update import ApplyProviderUpdate, ApplyResult
from application.errors import NotificationRejected
from application.ports import (
    Clock,
    GatewayRegistry,
    NotificationRecord,
    PaymentConfig,
    RawNotification,
    UnitOfWorkFactory,
)
from domain.events import Source


class HandleNotification:
    """The notify use case, shared by every provider endpoint."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, apply: ApplyProviderUpdate,
                 clock: Clock) -> None:
        self._uow, self._gateways, self._apply, self._clock = uow, gateways, apply, clock

    async def __call__(self, payment_type: str, config_id: int | None, raw: RawNotification) -> ApplyResult:
        """Apply a verified notification; NotificationRejected (with a reason label) if it must not count."""
        config: PaymentConfig | None = None
        order_no: str | None = None
        try:
            config = await self._config(payment_type, config_id, raw)
            update = await self._gateways.for_config(config).verify_notification(raw, config)
            order_no = update.order_no
            result = await self._apply(update, config, Source.NOTIFY)
        except NotificationRejected as e:
            # A refused notification is logged against the order it names, so the order's log shows forgeries too.
            await self._log(payment_type, config, order_no or e.order_no, "rejected", e.reason, raw)
            raise
        await self._log(payment_type, config, order_no, result.outcome.value, None, raw)
        return result

    async def _config(self, payment_type: str, config_id: int | None, raw: RawNotification) -> PaymentConfig:
        async with self._uow() as uow:
            if config_id is not None:
                config = await uow.configs.get(config_id)
            else:
                candidates = [c for c in await uow.configs.list() if c.payment_type == payment_type]
                config = self._gateways.pick_config(payment_type, raw, candidates)
        if config is None or config.payment_type != payment_type:
            raise NotificationRejected("unknown_config", f"no {payment_type} config matches this notification")
        return config

    async def _log(self, payment_type: str, config: PaymentConfig | None, order_no: str | None, outcome: str,
                   reason: str | None, raw: RawNotification) -> None:
        text = json.dumps({"headers": dict(raw.headers), "body": raw.body.decode("utf-8", "replace")},
                          ensure_ascii=False)
        record = NotificationRecord(payment_type, config.config_id if config else None, order_no, outcome, reason,
                                    text, self._clock.now())
        async with self._uow() as uow:
            await uow.notifications.add(record)
            await uow.commit()
