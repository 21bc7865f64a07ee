"""Refunds that need an operator: listed when unsettled past PAYCORE_REFUND_ATTENTION_HOURS, flagged (and
logged at WARNING) once each by the worker, and sent again on an operator's word."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.apply_update import ApplyProviderUpdate
from application.configs import refund_with_config
from application.errors import ConcurrencyConflict, InvalidCursor, RefundNotProcessing
from application.ports.clock import Clock
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWorkFactory
from application.queries import MAX_LIMIT
from domain.events import Source
from domain.refund import Refund
from domain.status import RefundStatus
from domain.updates import UpdateKind

log = logging.getLogger("paycore.refunds")
DEFAULT_ATTENTION_HOURS = 72


@dataclass(frozen=True, slots=True)
class RefundPage:
    """Refunds, oldest first, and the cursor of the next page (None at the end)."""

    items: Sequence[Refund]
    next_cursor: str | None


def encode_cursor(refund: Refund) -> str:
    """An opaque cursor pointing after this refund."""
    raw = json.dumps(["r", refund.create_time.isoformat(), refund.refund_no]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points after; InvalidCursor if it is not one of ours."""
    try:
        tag, when, refund_no = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(when)
        if tag != "r" or at.tzinfo is None:
            raise ValueError("not a refund cursor")
        return at, str(refund_no)
    except (binascii.Error, ValueError, TypeError) as e:
        raise InvalidCursor from e


class StaleRefunds:
    """The operators' list of refunds, stale ones (unsettled past the attention hours) first among them, and
    their count."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, attention_hours: float = DEFAULT_ATTENTION_HOURS) -> None:
        self._uow, self._clock = uow, clock
        self.attention_hours = attention_hours

    def stale_before(self) -> datetime:
        """Refunds created at or before this moment and still PROCESSING need an operator."""
        return self._clock.now() - timedelta(hours=self.attention_hours)

    async def list(self, status: RefundStatus | None = None, stale: bool = False, limit: int = 50,
                   cursor: str | None = None) -> RefundPage:
        """Refunds of a status (stale: PROCESSING ones unsettled past the attention hours), oldest first."""
        limit, after = min(max(limit, 1), MAX_LIMIT), decode_cursor(cursor) if cursor else None
        created_before = self.stale_before() if stale else None
        if stale and status is None:
            status = RefundStatus.PROCESSING
        async with self._uow() as uow:
            found = await uow.sweeps.list_refunds(status, created_before, limit + 1, after)
        items = list(found[:limit])
        return RefundPage(items, encode_cursor(items[-1]) if len(found) > limit and items else None)

    async def count_stale(self) -> int:
        """How many PROCESSING refunds are unsettled past the attention hours (the metric)."""
        async with self._uow() as uow:
            return await uow.sweeps.count_refunds(RefundStatus.PROCESSING, self.stale_before())


class ResendRefund:
    """An operator sends a PROCESSING refund to its provider again, with the same refund_no."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: GatewayRegistry, apply: ApplyProviderUpdate) -> None:
        self._uow, self._gateways, self._apply = uow, gateways, apply

    async def __call__(self, refund_no: str) -> Refund:
        """The refund after the provider's answer was applied (source admin)."""
        payment, config = await refund_with_config(self._uow, refund_no)
        refund = payment.refunds[refund_no]
        if refund.status is not RefundStatus.PROCESSING:
            raise RefundNotProcessing(f"refund {refund_no} is {refund.status.value}; only a PROCESSING refund can "
                                      "be sent again", refund_status=refund.status.value)
        log.info("refund.resend refund_no=%s order_no=%s by an operator", refund_no, payment.order_no)
        answer = await self._gateways.refunds(config).refund(payment.refund_trade(refund), refund, config)
        if answer.kind is UpdateKind.REFUND_NOT_FOUND:
            return refund
        return (await self._apply(answer, config, Source.ADMIN)).payment.refunds[refund_no]


class FlagStaleRefunds:
    """The worker's job: flag each refund unsettled past the attention hours once, and log it at WARNING once."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, attention_hours: float = DEFAULT_ATTENTION_HOURS,
                 batch: int = 50) -> None:
        self._uow, self._clock, self._hours, self._batch = uow, clock, attention_hours, batch

    async def run_once(self) -> int:
        """Flag what is due; how many refunds were flagged now."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.sweeps.unflagged_refunds(now - timedelta(hours=self._hours), self._batch)
        flagged = 0
        for refund_no in due:
            try:
                async with self._uow() as uow:
                    if not await uow.sweeps.flag_refund(refund_no, now):
                        continue  # settled meanwhile, or another worker flagged it
                    await uow.commit()
            except ConcurrencyConflict:
                continue  # another worker flagged it first
            flagged += 1
            log.warning("refund.needs_attention refund_no=%s: still PROCESSING %g hours after it was asked for; "
                        "see GET /v1/admin/refunds?status=PROCESSING&stale=true, resend with "
                        "POST /v1/admin/refunds/%s/resend", refund_no, self._hours, refund_no)
        return flagged
