"""Apply a provider fact (notification or query answer) to its payment, exactly once."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, replace
from enum import StrEnum

from application.anomalies import Anomalies
from application.attempt_followups import AttemptFollowUps
from application.errors import ConcurrencyConflict, DuplicateKey, NotificationRejected
from application.ports.clock import Clock
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import NotificationRecord, PaymentConfig
from application.retry import retry_on_conflict
from domain.errors import AmountMismatch, IllegalTransition, UnknownRefund
from domain.events import DomainEvent, Source
from domain.payment import Payment
from domain.updates import ProviderUpdate


class Outcome(StrEnum):
    """What applying an update did."""

    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """The outcome, the payment after it, and the events it journaled."""

    outcome: Outcome
    payment: Payment
    events: tuple[DomainEvent, ...] = ()


def check_origin(update: ProviderUpdate, config: PaymentConfig) -> None:
    """Refuse a fact whose app id is not the config's. (The merchant a notification names is the provider's own
    setting: its adapter checks it while verifying, before the fact exists.)"""
    if update.app_id is not None and config.app_id and update.app_id != config.app_id:
        raise NotificationRejected("app_id_mismatch", f"app id {update.app_id} is not this config's")


class ApplyProviderUpdate:
    """The one path by which provider facts change payments: notify, sync and worker all use it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, anomalies: Anomalies | None = None,
                 followups: AttemptFollowUps | None = None) -> None:
        self._uow, self._clock, self._anomalies = uow, clock, anomalies or Anomalies()
        self._followups = followups

    async def __call__(self, update: ProviderUpdate, config: PaymentConfig, source: Source,
                       loaded: Payment | None = None, log: NotificationRecord | None = None) -> ApplyResult:
        """Check the fact against the config and payment, apply it in one transaction, then act on anomalies.

        `loaded` is the payment as the caller just read it: the first attempt applies the fact to it instead of
        reading it again. Its save is still guarded by the version it was read at, so if anyone changed the
        payment since, the attempt loses the race (ConcurrencyConflict) and the next one reads it afresh.
        `log`, once the fact is accepted, is written with its outcome in the same transaction (a refused fact
        writes nothing: the caller logs the refusal).
        """
        check_origin(update, config)
        first = [loaded]

        def attempt() -> Awaitable[ApplyResult]:
            preloaded, first[0] = first[0], None
            return self._apply_once(update, config, source, preloaded, log)

        result = await retry_on_conflict(attempt)
        if result.outcome is Outcome.APPLIED:
            await self._anomalies.after_commit(result.payment, result.events, config, source, self)
            if self._followups is not None:
                await self._followups.after_commit(result.payment, result.events, source, self)
        return result

    async def _apply_once(self, update: ProviderUpdate, config: PaymentConfig, source: Source,
                          preloaded: Payment | None, log: NotificationRecord | None) -> ApplyResult:
        async with self._uow() as uow:
            payment = preloaded if preloaded is not None else await uow.payments.get_by_provider_order_no(
                update.order_no)
            if payment is None:
                raise NotificationRejected("unknown_order", f"no payment {update.order_no}")
            if payment.config_for(update.order_no, update.refund_no) != config.config_id:
                raise NotificationRejected("config_mismatch", f"payment {update.order_no} uses another config")
            try:
                events = payment.apply(update, source, self._clock.now())
            except AmountMismatch as e:
                raise NotificationRejected("amount_mismatch", str(e)) from e
            except UnknownRefund as e:
                raise NotificationRejected("unknown_refund", str(e)) from e
            except IllegalTransition as e:
                raise NotificationRejected("illegal_transition", str(e)) from e
            if not events:
                if log is not None:  # nothing changed: the log record is all this transaction writes
                    await _log(uow, log, Outcome.ALREADY_APPLIED)
                    await uow.commit()
                return ApplyResult(Outcome.ALREADY_APPLIED, payment)
            events += await self._anomalies.hold(uow, payment, events, source, self._clock.now())
            try:
                await uow.payments.save(payment)
                await _log(uow, log, Outcome.APPLIED)
                await uow.commit()
            except DuplicateKey as e:  # a racing writer journaled this provider event first
                raise ConcurrencyConflict(f"payment {update.order_no} changed concurrently") from e
        return ApplyResult(Outcome.APPLIED, payment, tuple(events))


async def _log(uow: UnitOfWork, record: NotificationRecord | None, outcome: Outcome) -> None:
    """The accepted notification's log record, with its outcome, in the apply's transaction."""
    if record is not None:
        await uow.notifications.add(replace(record, outcome=outcome.value))
