"""The provider ports: one small Protocol per capability, the registry that hands them out, notification routing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from application.bills import BillReader
from application.records import NotificationRoute, PaymentConfig, PayMethodRule, RawNotification
from domain.checkout import Checkout
from domain.kinds import PaymentType
from domain.payment import Payment
from domain.refund import Refund
from domain.updates import ProviderUpdate


class PaymentGateway(Protocol):
    """Creates, queries and closes payments at a provider; translates, never decides."""

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """Register or sign the order at the provider; how the payer pays."""

    async def query(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate | None:
        """The provider's view of the order; None if it does not know it."""

    async def close(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate:
        """Close at the provider: CLOSED, or PAID if the buyer paid first."""


class RefundGateway(Protocol):
    """Refunds at a provider; the refund_no makes a retried call safe."""

    async def refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """Ask for a refund: REFUND_SUCCEEDED, REFUND_PROCESSING or REFUND_FAILED."""

    async def query_refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """The refund's current state at the provider."""


class NotificationVerifier(Protocol):
    """Turns a provider notification into a verified fact, or refuses it."""

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """Check signature, freshness and origin, decrypt; NotificationRejected(reason) when it must not count."""


class BillSource(Protocol):
    """A provider account's daily bill (reconciliation, issue 14): the one bill port."""

    async def bill(self, bill_date: date) -> BillReader:
        """The day's bill of the config's account as streamed, typed rows (checked against its own totals and any
        digest the provider gives, after the last row); BillNotReady while the provider has none yet,
        ProviderError when it cannot be asked."""


class Gateway(PaymentGateway, RefundGateway, NotificationVerifier, BillSource, Protocol):
    """Every capability of one provider adapter: what adapters implement; use cases ask the registry for one."""


class NotificationRouter(Protocol):
    """Finds the payment a provider's notification is about, so that it is verified with that payment's config.

    Several configs may share one provider account (an app id, a merchant's public key), so a
    notification is never matched to a config by its account: only the order it names decides.
    """

    def route(self, raw: RawNotification) -> NotificationRoute:
        """What the notification names; NotificationRejected for what is refused on sight (no lookup, no network)."""

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """For a route by key: the order_no inside, once the notification verifies and decrypts with one of the
        candidates' keys (each distinct key tried once); NotificationRejected otherwise."""


class GatewayRegistry(Protocol):
    """Finds the gateway adapter for a config."""

    def payments(self, config: PaymentConfig) -> PaymentGateway:
        """Create, query and close for the config; GatewayNotAvailable if paycore has no adapter for its type."""

    def refunds(self, config: PaymentConfig) -> RefundGateway:
        """Refunds for the config; GatewayNotAvailable as above."""

    def verifier(self, config: PaymentConfig) -> NotificationVerifier:
        """Verifies the config's notifications; GatewayNotAvailable as above."""

    def bills(self, config: PaymentConfig) -> BillSource:
        """The config's daily bills; GatewayNotAvailable as above."""

    def pay_methods(self, payment_type: PaymentType) -> Sequence[PayMethodRule]:
        """The pay methods the type's provider offers (none for a type paycore has no adapter for)."""

    def router(self, payment_type: str) -> NotificationRouter:
        """How the type's notifications find their payment; GatewayNotAvailable if paycore has no such gateway."""
