"""Create a payment: validate, pick the config, let the gateway sign or register it, store it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.choices import offered_choices
from application.configs import usable_config
from application.errors import (
    DuplicateKey,
    IdempotencyKeyReused,
    OpenidRequired,
    OrderNoConflict,
    PayerIpRequired,
    PaymentNotFound,
    UnsupportedPayMethod,
)
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import IdempotencyRecord, PayMethodRule
from application.webhook_addresses import WebhookAddressPolicy
from domain.kinds import PaymentType
from domain.money import Money
from domain.payment import Payment


@dataclass(frozen=True, slots=True)
class CreatePaymentCommand:
    """A business system's request for a new payment."""

    order_no: str
    payment_type: PaymentType | None  # None: the payer chooses among pay_methods on the cashier page
    pay_method: str | None  # as asked: CreatePayment checks it against the provider's methods
    subject: str
    total_amount: Money
    body: str = ""
    openid: str | None = None
    config_id: int | None = None
    expire_minutes: int = 30
    return_url: str | None = None
    notify_url: str | None = None
    payer_client_ip: str | None = None  # for the provider only; neither stored nor compared
    api_key_id: str | None = None
    idempotency_key: str | None = None
    pay_methods: tuple[str, ...] = ()  # without payment_type: the payer's choices (() = every method offered)

    def fingerprint(self) -> str:
        """A hash of what the request asks for, to recognise a repeat of it."""
        content: list[object] = [self.order_no, self.payment_type, self.pay_method, self.subject, self.total_amount.fen,
                   self.body, self.openid, self.config_id, self.expire_minutes, self.return_url, self.notify_url]
        if self.payment_type is None:
            content.append(list(self.pay_methods))
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()

    def differing_fields(self, payment: Payment, needs_openid: bool) -> list[str]:
        """The request fields an existing payment of this order_no disagrees with, in request order.

        Optional fields are compared as asked: an omitted notify_url or return_url is the same only as an
        omitted one (the payment keeps None), openid counts only for a method that needs it (`needs_openid`, the
        provider's rule for the asked method), an omitted config_id matches whichever config was chosen, and
        expire_minutes is the span between the payment's create_time and expire_time.
        """
        chooses = self.payment_type is None
        same = {
            "payment_type": chooses == bool(payment.pay_methods)
                            and (chooses or payment.payment_type == self.payment_type),
            "pay_method": chooses or payment.pay_method == self.pay_method,
            "pay_methods": not chooses or not self.pay_methods or payment.pay_methods == self.pay_methods,
            "subject": payment.subject == self.subject,
            "total_amount": payment.total_amount == self.total_amount,
            "body": payment.body == self.body,
            "openid": not needs_openid or payment.openid == self.openid,
            "config_id": self.config_id is None or payment.config_id == self.config_id,
            "expire_minutes": payment.expire_time - payment.create_time == timedelta(minutes=self.expire_minutes),
            "return_url": payment.return_url == self.return_url,
            "notify_url": payment.notify_url == self.notify_url,
        }
        return [name for name, equal in same.items() if not equal]


@dataclass(frozen=True, slots=True)
class CreatePaymentResult:
    """The payment, and whether this call created it (201) or found it (200)."""

    payment: Payment
    created: bool


class CreatePayment:
    """The create-payment use case."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, clock: Clock,
                 addresses: WebhookAddressPolicy | None = None) -> None:
        self._uow, self._gateways, self._clock = uow, gateways, clock
        self._addresses = addresses or WebhookAddressPolicy()

    async def __call__(self, cmd: CreatePaymentCommand, reading: UnitOfWork | None = None) -> CreatePaymentResult:
        """Create the payment, or answer a repeat of an earlier identical request.

        `reading`: a unit of work already open (the one the API key was read in), which this call reads the
        request's payment and config in and then ends, whatever happens; without it, one of its own.
        """
        if cmd.payment_type is None:
            return await self._choice(cmd, reading)
        async with _resumed(reading) if reading is not None else self._uow() as uow:
            rule = _method_rule(cmd, self._gateways.pay_methods(cmd.payment_type))
            if cmd.notify_url:
                self._addresses.check_url(cmd.notify_url, "notify_url")
            earlier = await _earlier_answer(uow, cmd, rule)
            if earlier is not None:
                return earlier
            config = await usable_config(uow, cmd.payment_type, cmd.config_id)
        gateway = self._gateways.payments(config)
        now = self._clock.now()
        payment = Payment.create(
            order_no=cmd.order_no, payment_type=cmd.payment_type, pay_method=rule.method,
            config_id=config.config_id, subject=cmd.subject, total_amount=cmd.total_amount, now=now,
            expire_time=now + timedelta(minutes=cmd.expire_minutes), body=cmd.body,
            openid=cmd.openid if rule.needs_openid else None,
            return_url=cmd.return_url, notify_url=cmd.notify_url,  # the gateway falls back to the config's
            api_key_id=cmd.api_key_id, payer_client_ip=cmd.payer_client_ip,
        )
        # The provider call happens outside any transaction: if it fails nothing is stored,
        # so a retry with the same body starts cleanly.
        payment.checkout = await gateway.create(payment, config)
        return await self._store(cmd, payment, rule)

    async def _choice(self, cmd: CreatePaymentCommand, reading: UnitOfWork | None) -> CreatePaymentResult:
        """A payment whose payer chooses the method: checked and stored; no provider hears of it yet."""
        async with _resumed(reading) if reading is not None else self._uow() as uow:
            if cmd.notify_url:
                self._addresses.check_url(cmd.notify_url, "notify_url")
            choices = await offered_choices(uow, self._gateways, cmd.pay_methods, cmd.openid)
            cmd = dataclasses.replace(cmd, pay_methods=choices)
            earlier = await _earlier_answer(uow, cmd, None)
            if earlier is not None:
                return earlier
        now = self._clock.now()
        payment = Payment.create(
            order_no=cmd.order_no, payment_type=None, pay_method=None, config_id=None, subject=cmd.subject,
            total_amount=cmd.total_amount, now=now, expire_time=now + timedelta(minutes=cmd.expire_minutes),
            body=cmd.body, openid=cmd.openid, return_url=cmd.return_url, notify_url=cmd.notify_url,
            api_key_id=cmd.api_key_id, pay_methods=choices,
        )
        return await self._store(cmd, payment, None)

    async def _store(self, cmd: CreatePaymentCommand, payment: Payment,
                     rule: PayMethodRule | None) -> CreatePaymentResult:
        now = payment.create_time
        try:
            async with self._uow() as uow:
                await uow.payments.add(payment)
                if cmd.idempotency_key is not None:
                    await uow.idempotency.add(_record(cmd, now))
                await uow.commit()
        except DuplicateKey:
            async with self._uow() as uow:
                earlier = await _earlier_answer(uow, cmd, rule)
            if earlier is None:
                raise
            return earlier
        return CreatePaymentResult(payment, created=True)


@asynccontextmanager
async def _resumed(uow: UnitOfWork) -> AsyncIterator[UnitOfWork]:
    """A unit of work entered elsewhere, ended here as `async with` ends its own."""
    try:
        yield uow
    except BaseException as error:
        await uow.__aexit__(type(error), error, error.__traceback__)
        raise
    await uow.__aexit__(None, None, None)


def _method_rule(cmd: CreatePaymentCommand, offered: Sequence[PayMethodRule]) -> PayMethodRule:
    """The provider's rule for the asked method; UnsupportedPayMethod, OpenidRequired or PayerIpRequired when it
    does not fit."""
    rule = next((r for r in offered if r.method.value == cmd.pay_method), None)
    if rule is None:
        methods = sorted(r.method.value for r in offered)
        raise UnsupportedPayMethod(
            f"pay_method {cmd.pay_method!r} is not one of {cmd.payment_type}'s: {', '.join(methods)}",
            payment_type=str(cmd.payment_type), pay_method=cmd.pay_method, allowed=methods,
        )
    if rule.needs_openid and not cmd.openid:
        raise OpenidRequired(f"a {cmd.payment_type} {cmd.pay_method} payment needs the payer's openid")
    if rule.needs_payer_ip and not cmd.payer_client_ip:
        raise PayerIpRequired(
            f"a {cmd.payment_type} {cmd.pay_method} payment needs the payer's IP address, and this request came "
            "with no client address paycore could use: pass payer_client_ip, the address your page saw the "
            "payer's phone at", field="payer_client_ip")
    return rule


async def _earlier_answer(uow: UnitOfWork, cmd: CreatePaymentCommand,
                         rule: PayMethodRule | None) -> CreatePaymentResult | None:
    """The answer an earlier request already got, if this one repeats it; a conflict if it clashes."""
    if cmd.idempotency_key is not None:
        record = await uow.idempotency.get(cmd.api_key_id or "", cmd.idempotency_key)
        if record is not None:
            if record.request_hash != cmd.fingerprint():
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was already used with a different request body; use a new key",
                    idempotency_key=cmd.idempotency_key,
                )
            payment = await uow.payments.get(record.order_no)
            if payment is None:  # pragma: no cover - the record and the payment are written together
                raise PaymentNotFound(f"no payment {record.order_no}")
            return CreatePaymentResult(payment, created=True)
    existing = await uow.payments.get(cmd.order_no)
    if existing is None:
        return None
    fields = await _differences(uow, cmd, existing, rule)
    if fields:
        raise OrderNoConflict(
            f"order_no {cmd.order_no} already exists with a different {', '.join(fields)}; repeat the first "
            "request exactly to get its payment, or use a new order_no for a new payment",
            order_no=cmd.order_no, fields=fields,
        )
    return CreatePaymentResult(existing, created=False)


async def _differences(uow: UnitOfWork, cmd: CreatePaymentCommand, existing: Payment,
                       rule: PayMethodRule | None) -> list[str]:
    fields = cmd.differing_fields(existing, rule.needs_openid if rule is not None else True)
    if "return_url" in fields and cmd.return_url is None and existing.return_url is not None:
        # Payments made before paycore kept return_url as asked hold their config's return_url instead.
        config = await uow.configs.get(existing.config_id) if existing.config_id is not None else None
        if config is not None and existing.return_url == config.return_url:
            fields.remove("return_url")
    return fields


def _record(cmd: CreatePaymentCommand, now: datetime) -> IdempotencyRecord:
    return IdempotencyRecord(cmd.api_key_id or "", cmd.idempotency_key or "", cmd.fingerprint(), cmd.order_no, now)
