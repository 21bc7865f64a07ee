"""Admin endpoints for reconciliation (对账, scope admin): start runs (202: they go on in the background of this
process), list and read runs and their discrepancies, acknowledge a discrepancy with a note."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, Parameter

from application.bills import DiscrepancyKind
from application.reconcile import PlannedRun, Reconcile
from application.reconciliations import DiscrepancyRecord, Reconciliations, RunFilter, RunRecord
from domain.money import yuan
from entrypoints.http.auth import AdminController, current_key
from entrypoints.http.schemas import iso

log = logging.getLogger("paycore.reconcile")
RecordId = Annotated[int, Parameter(ge=1, le=2**53 - 1)]
Limit = Annotated[int, Parameter(ge=1, le=200)]
Cursor = Annotated[str | None, Parameter(max_length=200)]
PaymentType = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern="^[a-z0-9_]+$")]
RUNNING: set[asyncio.Task[Any]] = set()  # a reference to each background run, so none is collected mid-way


class StartReconciliation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """POST /v1/admin/reconciliations."""

    bill_date: date
    payment_type: PaymentType | None = None
    config_id: Annotated[int, msgspec.Meta(ge=1, le=2**53 - 1)] | None = None


class Acknowledgement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """POST /v1/admin/reconciliation-discrepancies/{discrepancy_id}/acknowledge."""

    note: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class TotalsView(msgspec.Struct, kw_only=True):
    """A run's money, in yuan: the bill's payments, paycore's for the same day, refunds, fees, and the net."""

    provider_amount: str
    local_amount: str
    refunds: str
    fees: str
    net: str  # provider_amount - refunds - fees


class RunView(msgspec.Struct, kw_only=True):
    """One reconciliation run: one provider account's bill of one day."""

    run_id: int
    bill_date: str
    payment_type: str
    config_id: int | None
    status: Literal["running", "completed", "failed", "bill_not_ready"]
    provider_rows: int
    local_records: int
    matched: int
    discrepancies: dict[str, int]
    totals: TotalsView
    started_at: str
    finished_at: str | None
    error: str | None


class RunsView(msgspec.Struct, kw_only=True):
    """Several runs started at once (one per provider account)."""

    runs: list[RunView]


class RunList(msgspec.Struct):
    """A page of runs, newest first."""

    items: list[RunView]
    next_cursor: str | None


class SideView(msgspec.Struct, kw_only=True):
    """One side of a discrepancy: the bill's or paycore's."""

    amount: str | None
    status: str | None
    time: str | None


class DiscrepancyView(msgspec.Struct, kw_only=True):
    """One disagreement between a bill and paycore."""

    discrepancy_id: int
    run_id: int
    type: str
    order_no: str
    refund_no: str | None
    trade_no: str | None
    provider: SideView | None
    local: SideView | None
    status: Literal["open", "resolved", "acknowledged"]
    resolution: str | None
    note: str | None
    acknowledged_by: str | None
    acknowledged_at: str | None
    update_time: str


class DiscrepancyList(msgspec.Struct):
    """A page of a run's discrepancies, in the order found."""

    items: list[DiscrepancyView]
    next_cursor: str | None


def run_view(r: RunRecord) -> RunView:
    """The API view of a run."""
    net = r.payment_amount - r.refund_amount - r.fees
    return RunView(
        run_id=r.run_id, bill_date=r.bill_date.isoformat(), payment_type=r.payment_type, config_id=r.config_id,
        status=r.status,  # type: ignore[arg-type]  # the recorded statuses are these four
        provider_rows=r.bill_rows, local_records=r.local_records, matched=r.matched,
        discrepancies=r.discrepancies,
        totals=TotalsView(provider_amount=str(yuan(r.payment_amount)), local_amount=str(yuan(r.local_amount)),
                          refunds=str(yuan(r.refund_amount)), fees=str(yuan(r.fees)), net=str(yuan(net))),
        started_at=iso(r.started_at) or "", finished_at=iso(r.finished_at), error=r.error)


def _side(value: str | None) -> SideView | None:
    """A recorded value is an amount (yuan) or a status word; none: that side has no record."""
    if value is None:
        return None
    try:
        return SideView(amount=str(Decimal(value).quantize(Decimal("0.01"))), status=None, time=None)
    except InvalidOperation:
        return SideView(amount=None, status=value, time=None)


def discrepancy_view(d: DiscrepancyRecord) -> DiscrepancyView:
    """The API view of a discrepancy."""
    return DiscrepancyView(
        discrepancy_id=d.discrepancy_id, run_id=d.run_id, type=d.kind, order_no=d.order_no,
        refund_no=d.refund_no or None, trade_no=d.trade_no, provider=_side(d.provider_value),
        local=_side(d.local_value),
        status=d.status,  # type: ignore[arg-type]  # held ones are never read here
        resolution=d.resolution, note=d.note, acknowledged_by=d.acknowledged_by,
        acknowledged_at=iso(d.acknowledged_at), update_time=iso(d.acknowledged_at or d.create_time) or "")


def in_background(reconcile: Reconcile, planned: list[PlannedRun]) -> None:
    """Go on with the runs in this process, one after the other; each ends recorded (failed on an error), and one
    left running by a process that stopped is ended failed after STALE_AFTER."""

    async def go() -> None:
        for one in planned:
            await reconcile.run(one)

    task = asyncio.create_task(go(), name="paycore-reconcile")
    RUNNING.add(task)
    task.add_done_callback(RUNNING.discard)


class ReconciliationController(AdminController):
    """/v1/admin/reconciliations."""

    path = "/v1/admin/reconciliations"

    @post("/", status_code=202)
    async def start(self, data: JSONBody[StartReconciliation], reconcile: NamedDependency[Reconcile],
                    reconciliations: NamedDependency[Reconciliations]) -> RunView | RunsView:
        """Reconcile a Beijing day: one run per provider account of the enabled configs matched (the run, or
        `runs` when several), each `running` until its bill is downloaded and matched in the background."""
        planned = await reconcile.plan(data.bill_date, data.payment_type, data.config_id)
        in_background(reconcile, planned)
        views = [run_view(await reconciliations.get(p.run_id)) for p in planned]
        return views[0] if len(views) == 1 else RunsView(runs=views)

    @get("/")
    async def list_runs(
        self, reconciliations: NamedDependency[Reconciliations], bill_date: FromQuery[date | None] = None,
        payment_type: Annotated[str | None, Parameter(max_length=20)] = None,
        config_id: Annotated[int | None, Parameter(ge=1, le=2**53 - 1)] = None, limit: Limit = 50,
        cursor: Cursor = None,
    ) -> RunList:
        """Runs newest first, optionally of one bill date, payment type or config."""
        page = await reconciliations.list(RunFilter(bill_date, payment_type, config_id), limit, cursor)
        return RunList([run_view(r) for r in page.items], page.next_cursor)

    @get("/{run_id:int}")
    async def get_run(self, run_id: RecordId, reconciliations: NamedDependency[Reconciliations]) -> RunView:
        """One run."""
        return run_view(await reconciliations.get(run_id))

    @get("/{run_id:int}/discrepancies")
    async def list_discrepancies(
        self, run_id: RecordId, reconciliations: NamedDependency[Reconciliations],
        type: FromQuery[DiscrepancyKind | None] = None,
        status: FromQuery[Literal["open", "resolved", "acknowledged"] | None] = None, limit: Limit = 50,
        cursor: Cursor = None,
    ) -> DiscrepancyList:
        """A run's discrepancies (held ones, which wait for the next day's bill, are not reported)."""
        page = await reconciliations.discrepancies(run_id, type.value if type else None, status, limit, cursor)
        return DiscrepancyList([discrepancy_view(d) for d in page.items], page.next_cursor)


class DiscrepancyController(AdminController):
    """/v1/admin/reconciliation-discrepancies."""

    path = "/v1/admin/reconciliation-discrepancies"

    @post("/{discrepancy_id:int}/acknowledge", status_code=200)
    async def acknowledge(self, request: Request[Any, Any, Any], discrepancy_id: RecordId,
                          data: JSONBody[Acknowledgement],
                          reconciliations: NamedDependency[Reconciliations]) -> DiscrepancyView:
        """An operator has seen the discrepancy: acknowledged with a note; who (the admin key's name) and when are
        recorded. A resolved one → 409 DISCREPANCY_NOT_OPEN."""
        found = await reconciliations.acknowledge(discrepancy_id, data.note, by=current_key(request).name)
        return discrepancy_view(found)


async def fail_stale_runs(app: Any) -> None:
    """At start: runs a stopped process left running past STALE_AFTER end failed (an on_startup hook)."""
    try:
        ended = await app.state.container.reconciliations().fail_stale()
    except Exception:  # a database not migrated yet, or down: the worker's next tick does it
        log.warning("reconcile.fail_stale_skipped", exc_info=True)
        return
    if ended:
        log.warning("reconcile.stale_runs_failed count=%s", ended)
