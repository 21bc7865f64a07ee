"""Reconciliation (对账) of one Beijing day: each provider account's bill, downloaded once, matched against the
payments and refunds of every config of that account (disabled and deleted ones included: they still settle
their payments), the run and what it found recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from application.bills import (
    BILL_SIDE,
    BillMatcher,
    BillRow,
    BillSource,
    Discrepancy,
    DiscrepancyKind,
    ReconciliationRuns,
    RunEnd,
    RunStart,
)
from application.errors import ApplicationError, BillCorrupt, BillNotReady, ConfigNotFound, InvalidBillDate
from application.ports.clock import Clock
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig
from application.sync_payment import SyncPayment
from domain.beijing import BEIJING
from domain.events import Source

RUN_COMPLETED = "reconciliation.completed"  # the webhook of a completed run, to admin keys with a webhook_url
log = logging.getLogger("paycore.reconcile")


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """A run recorded as running, for one account, and what it needs to go on."""

    run_id: int
    day: date
    config: PaymentConfig  # the config the account's bill is downloaded with
    account: str
    config_ids: tuple[int, ...]  # every config of the account


@dataclass(frozen=True, slots=True)
class RunResult:
    """One account's run: how it ended and what it found."""

    run_id: int
    payment_type: str
    account: str
    end: RunEnd
    found: Sequence[Discrepancy] = field(default_factory=tuple)

    @property
    def open(self) -> int:
        """Discrepancies left for an operator (held ones wait for the neighbouring day's bill)."""
        return sum(not d.held and d.resolution is None for d in self.found)


class Reconcile:
    """The reconcile use case (`paycore reconcile`, the admin API and the worker's daily run)."""

    def __init__(self, uow: UnitOfWorkFactory, sources: dict[str, BillSource], matcher: BillMatcher,
                 runs: ReconciliationRuns, clock: Clock, sync: SyncPayment) -> None:
        self._uow, self._sources, self._matcher, self._runs, self._clock = uow, sources, matcher, runs, clock
        self._sync = sync

    async def __call__(self, day: date, payment_type: str | None = None, config_id: int | None = None,
                       only: Collection[str] | None = None, progress: RunProgress | None = None) -> list[RunResult]:
        """Reconcile the day for every account of the enabled configs (of one type, or of one config; of the
        accounts named `type:account` in `only` when given), one after the other."""
        return [await self.run(planned, progress) for planned in await self.plan(day, payment_type, config_id, only)]

    async def plan(self, day: date, payment_type: str | None = None, config_id: int | None = None,
                   only: Collection[str] | None = None) -> list[PlannedRun]:
        """Record a run, as running, for each account to reconcile (InvalidBillDate, ConfigNotFound before any)."""
        if day > self._clock.now().astimezone(BEIJING).date():
            raise InvalidBillDate(day)
        async with self._uow() as uow:
            configs = [c for c in await uow.configs.list(include_deleted=True) if c.payment_type in self._sources]
            live = {c.config_id for c in await uow.configs.list()}
        wanted = [c for c in configs if c.enabled and c.config_id in live and payment_type in (None, c.payment_type)
                  and config_id in (None, c.config_id)]
        if config_id is not None and not wanted:
            raise ConfigNotFound(f"no enabled config {config_id} to reconcile")
        planned: list[PlannedRun] = []
        for (kind, account), chosen in _by_account(wanted, self._sources).items():
            if only is not None and f"{kind}:{account}" not in only:
                continue
            sharing = [c.config_id for c in configs
                       if c.payment_type == kind and self._sources[kind].account(c) == account]
            run_id = await self._runs.start(RunStart(day, kind, account, config_id, self._clock.now()))
            planned.append(PlannedRun(run_id, day, chosen, account, tuple(sharing)))
        return planned

    async def run(self, planned: PlannedRun, progress: RunProgress | None = None) -> RunResult:
        """Download, match and record one planned run; it always ends (failed on an error nobody expected)."""
        run_id, day, config_ids = planned.run_id, planned.day, planned.config_ids
        kind, step = planned.config.payment_type, _step(progress, f"{planned.config.payment_type} {planned.account}")
        found: list[Discrepancy] = []
        try:
            step("download", 0)
            reader = await self._sources[kind].bill(planned.config, day)
            rows = await self._matcher.stage(run_id, _counted(reader.rows(), step))
            step("match", rows)
            found = [await self._fix(d) for d in await self._matcher.match(run_id, config_ids, day)]
            step("matched", rows)
            end = RunEnd("completed", self._clock.now(), rows, reader.totals, len(found),
                         local=await self._matcher.local(config_ids, day),
                         matched=rows - sum(d.kind in BILL_SIDE for d in found))
        except BillNotReady as e:
            end = RunEnd("bill_not_ready", self._clock.now(), error=e.message[:500])
        except (BillCorrupt, ApplicationError) as e:  # damaged, or the provider could not be asked: the next account
            found, end = [], RunEnd("failed", self._clock.now(), error=f"{e.code}: {e.message}"[:500])
        except Exception as e:  # a bug or a lost database: the run is recorded failed, never left running
            log.exception("reconcile.run_failed run_id=%s", run_id)
            found, end = [], RunEnd("failed", self._clock.now(), error=f"INTERNAL: {type(e).__name__}")
        finally:
            await self._matcher.clear(run_id)
        if end.status == "completed":
            end = replace(end, webhook=RUN_COMPLETED, webhook_to=await self._admin_hooks())
        await self._runs.finish(run_id, end, found)
        return RunResult(run_id, kind, planned.account, end, tuple(found))

    async def _admin_hooks(self) -> tuple[str, ...]:
        """The admin keys told about a completed run: those with a webhook_url, not revoked."""
        async with self._uow() as uow:
            keys = await uow.api_keys.list()
        return tuple(k.key_id for k in keys if k.scope == "admin" and k.webhook_url and not k.revoked)

    async def _fix(self, found: Discrepancy) -> Discrepancy:
        """A payment the bill shows paid and paycore does not is settled by asking the provider (a signed answer,
        applied as every sync is): fixed_by_sync when it is paid now. Nothing is ever fixed from the bill alone."""
        if found.kind is not DiscrepancyKind.STATUS_MISMATCH or found.refund_no:
            return found
        try:
            payment = await self._sync(found.order_no, Source.SYNC)
        except ApplicationError:
            return found  # the provider could not say; an operator will see it open
        return replace(found, resolution="fixed_by_sync") if payment.status.is_paid else found


class RunProgress(Protocol):
    """Told how a run goes (the CLI's progress bar on a terminal)."""

    def __call__(self, account: str, phase: str, rows: int) -> None:
        """`phase` is download, parse (rows so far), match (all rows parsed) or matched, for one account."""


PROGRESS_EVERY = 1000  # rows between two parse steps


def _step(progress: RunProgress | None, account: str) -> Callable[[str, int], None]:
    return (lambda phase, rows: progress(account, phase, rows)) if progress else (lambda phase, rows: None)


def _counted(rows: Iterator[BillRow], step: Callable[[str, int], None]) -> Iterator[BillRow]:
    """The rows, telling `step` every PROGRESS_EVERY of them."""
    for count, row in enumerate(rows, 1):
        if count % PROGRESS_EVERY == 0:
            step("parse", count)
        yield row


def _by_account(configs: list[PaymentConfig], sources: dict[str, BillSource]) -> dict[tuple[str, str],
                                                                                       PaymentConfig]:
    """One config per provider account, the first by id, to download the account's bill with."""
    chosen: dict[tuple[str, str], PaymentConfig] = {}
    for config in sorted(configs, key=lambda c: c.config_id):
        chosen.setdefault((config.payment_type, sources[config.payment_type].account(config)), config)
    return chosen
