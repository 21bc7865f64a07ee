"""Reconciliation runs and their discrepancies in SQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.payment_rows import new_event_id
from adapters.sql.tables import webhook_outbox
from adapters.sql.tables_reconciliation import reconciliation_discrepancy as discrepancies
from adapters.sql.tables_reconciliation import reconciliation_run as runs
from application.bills import Discrepancy, RunEnd, RunStart
from domain.money import yuan


class SqlReconciliationRuns:
    """The ReconciliationRuns port on the reconciliation tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def start(self, run: RunStart) -> int:
        """Record a run as running; its id."""
        async with self._engine.begin() as conn:
            result = await conn.execute(runs.insert().values(
                bill_date=run.bill_date, payment_type=run.payment_type, account=run.account[:100],
                config_id=run.config_id, status="running", started_at=run.started_at))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    async def finish(self, run_id: int, end: RunEnd, found: Sequence[Discrepancy]) -> None:
        """How the run ended, what it found and its webhooks, in one transaction (a webhook is never lost)."""
        t = end.totals
        async with self._engine.begin() as conn:
            await conn.execute(runs.update().where(runs.c.id == run_id).values(
                status=end.status, finished_at=end.finished_at, bill_rows=end.bill_rows, error=end.error,
                discrepancies=len(found), payments=t.payments if t else 0,
                payment_amount=yuan(t.payment_amount if t else 0), refunds=t.refunds if t else 0,
                refund_amount=yuan(t.refund_amount if t else 0), fees=yuan(t.fees if t else 0),
                local_records=end.local.records if end.local else 0, matched=end.matched,
                local_amount=yuan(end.local.amount if end.local else 0)))
            if found:
                await conn.execute(discrepancies.insert(), [
                    {"run_id": run_id, "kind": d.kind.value, "order_no": d.order_no, "refund_no": d.refund_no,
                     "provider_value": d.provider_value, "local_value": d.local_value,
                     "status": "resolved" if d.resolution else "held" if d.held else "open",
                     "resolution": d.resolution, "trade_no": d.trade_no[:64] or None,
                     "provider_time": d.provider_time, "local_time": d.local_time,
                     "create_time": end.finished_at} for d in found])
            if end.webhook is not None and end.webhook_to:
                await conn.execute(webhook_outbox.insert(), [
                    {"event_id": new_event_id(), "order_no": None, "api_key_id": key_id, "run_id": run_id,
                     "event_type": end.webhook, "payload": "{}", "status": "pending", "attempts": 0,
                     "next_attempt_time": end.finished_at, "create_time": end.finished_at}
                    for key_id in end.webhook_to])
