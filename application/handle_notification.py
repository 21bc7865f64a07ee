"""A provider notification: find the payment it names, verify it with that payment's config, apply it once,
and log it whatever happens."""

from __future__ import annotations

import hashlib
import json
import re

from application.apply_update import ApplyProviderUpdate, ApplyResult
from application.errors import NotificationRejected
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.records import NotificationRecord, PaymentConfig, RawNotification
from domain.events import Source
from domain.payment import Payment

KEPT_BYTES = 8192  # of a rejected notification's body: anyone may post to the notify endpoints
KEPT_HEADERS, KEPT_HEADER_CHARS = 64, 512
# Anything else cannot be an order_no of ours (API.md: 6–32 of these; providers allow 64): refused before any lookup.
_ORDER_NO = re.compile(r"[A-Za-z0-9_-]{1,64}")


class HandleNotification:
    """The notify use case, shared by every provider endpoint.

    A notification is routed by the order it names, never by guessing the config from its app id or key:
    several configs may share one provider account. The order's payment names the config it was created with
    (disabled or deleted since, it still settles its payments), and that config's keys verify the notification.
    """

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, apply: ApplyProviderUpdate,
                 clock: Clock) -> None:
        self._uow, self._gateways, self._apply, self._clock = uow, gateways, apply, clock

    async def __call__(self, payment_type: str, config_id: int | None, raw: RawNotification) -> ApplyResult:
        """Apply a verified notification; NotificationRejected (with a reason label) if it must not count."""
        config: PaymentConfig | None = None
        order_no: str | None = None
        try:
            if config_id is not None:  # logged against the endpoint's config until the order names its own
                config = await self._endpoint_config(payment_type, config_id)
            order_no = await self._order_no(payment_type, raw)
            payment, config = await self._config_of_order(payment_type, order_no)
            update = await self._gateways.verifier(config).verify_notification(raw, config)
            if update.order_no != order_no:
                raise NotificationRejected("malformed", "the notification names two different orders")
            # An accepted notification is logged in the transaction that applies it (the outcome filled in there).
            accepted = NotificationRecord(payment_type, config.config_id, order_no, "", None,
                                          logged_text(raw, whole=True), self._clock.now())
            return await self._apply(update, config, Source.NOTIFY, loaded=payment, log=accepted)
        except NotificationRejected as e:
            # A refused notification is logged against the order it names, so the order's log shows forgeries too.
            await self._log(payment_type, config, order_no or e.order_no, "rejected", e.reason, raw)
            raise

    async def _endpoint_config(self, payment_type: str, config_id: int) -> PaymentConfig:
        """A per-config endpoint must name a config of its type that exists or existed; the order still routes."""
        async with self._uow() as uow:
            config = await uow.configs.get(config_id, include_deleted=True)
        if config is None or config.payment_type != payment_type:
            raise NotificationRejected("unknown_config", f"no {payment_type} config {config_id}")
        return config

    async def _order_no(self, payment_type: str, raw: RawNotification) -> str:
        router = self._gateways.router(payment_type)
        route = router.route(raw)
        order_no = route.order_no
        if order_no is None:
            async with self._uow() as uow:
                candidates = await uow.configs.by_key(payment_type, route.key_ids)
            if not candidates:  # never fetch keys for a serial someone else chose
                shown = (route.key_ids[0] if route.key_ids else "")[:64]
                raise NotificationRejected("unknown_serial", f"no {payment_type} config trusts key {shown!r}")
            order_no = await router.order_of(raw, candidates)
        if not _ORDER_NO.fullmatch(order_no):
            raise NotificationRejected("unknown_order", "the notification names no order paycore could have made")
        return order_no

    async def _config_of_order(self, payment_type: str, order_no: str) -> tuple[Payment, PaymentConfig]:
        """The order's payment (applying starts from it: the save is version-checked) and its config."""
        async with self._uow() as uow:
            payment = await uow.payments.get_by_provider_order_no(order_no)
            if payment is None:
                raise NotificationRejected("unknown_order", f"no payment {order_no}", order_no=order_no)
            config = None
            if (config_id := payment.config_for(order_no)) is not None:  # the config of the attempt it names
                config = await uow.configs.get(config_id, include_deleted=True)
        if config is None or config.payment_type != payment_type:
            raise NotificationRejected("unknown_config", f"payment {order_no} has no {payment_type} config",
                                       order_no=order_no)
        return payment, config

    async def _log(self, payment_type: str, config: PaymentConfig | None, order_no: str | None, outcome: str,
                   reason: str | None, raw: RawNotification) -> None:
        record = NotificationRecord(payment_type, config.config_id if config else None, order_no, outcome, reason,
                                    logged_text(raw, whole=outcome != "rejected"), self._clock.now())
        async with self._uow() as uow:
            await uow.notifications.add(record)
            await uow.commit()


def logged_text(raw: RawNotification, whole: bool) -> str:
    """The notification as the log keeps it: whole once verified; a refused one (which anyone can post, at any
    size) only as its first 8 KiB and a few headers, with its length and SHA-256 to recognise it."""
    body = raw.body if whole else raw.body[:KEPT_BYTES]
    headers = dict(raw.headers) if whole else {
        k[:KEPT_HEADER_CHARS]: v[:KEPT_HEADER_CHARS] for k, v in list(raw.headers.items())[:KEPT_HEADERS]}
    kept = {"headers": headers, "body": body.decode("utf-8", "replace"), "length": len(raw.body),
            "sha256": hashlib.sha256(raw.body).hexdigest(), "truncated": len(body) < len(raw.body)}
    return json.dumps(kept, ensure_ascii=False)
