"""Webhooks of no payment (a reconciliation run's end) in the SQL outbox, on every SQL backend: written with the
run's end, claimed beside the payments' without waiting for them or holding them back, retried and listed alike."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from adapters.sql import reconciliation_runs
from adapters.sql.engine import make_engine
from adapters.sql.reconciliation_runs import SqlReconciliationRuns
from adapters.sql.tables import webhook_outbox
from adapters.sql.tables_reconciliation import reconciliation_run
from adapters.sql.uow import SqlUnitOfWorkFactory
from application.bills import RunEnd, RunStart
from application.records import DeliveryOutcome, DeliveryStatus
from tests.contract.helpers import ORDER_NO, at
from tests.contract.test_outbox import LEASE, NOW, claim, get, paid_and_refunded, record

DAY = date(2026, 11, 23)


async def test_a_run_end_queues_one_webhook_per_key_that_waits_for_no_payment(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        await paid_and_refunded(factory)  # three webhooks of one payment, delivered one at a time
        runs = SqlReconciliationRuns(engine)
        done = await runs.start(RunStart(DAY, "alipay", "2021", 1, at(400)))
        failed = await runs.start(RunStart(DAY, "wechat", "1900", 2, at(400)))
        await runs.finish(done, RunEnd("completed", at(500), webhook="reconciliation.completed",
                                       webhook_to=("k_ops", "k_audit")), [])
        await runs.finish(failed, RunEnd("failed", at(500), error="BILL_CORRUPT: x"), [])

        first = await claim(factory)
        # The payment's first retry is pending: its later webhooks wait; the run's do not wait for it.
        retry = DeliveryOutcome(DeliveryStatus.PENDING, NOW, 1, at(2000), error="HTTP 500")
        [payment_first] = [m for m in first if m.order_no == ORDER_NO]
        assert await record(factory, payment_first, retry)
        again = await claim(factory, "w2", at(1000 + LEASE + 1))
        async with engine.connect() as conn:
            ended = dict((await conn.execute(sa.select(reconciliation_run.c.id, reconciliation_run.c.status)))
                         .tuples().all())
        run_message = await get(factory, next(m.delivery_id for m in first if m.order_no is None))
    finally:
        await engine.dispose()

    assert ended == {done: "completed", failed: "failed"}
    assert sorted((m.event_type, m.order_no, m.api_key_id, m.run_id) for m in first) == [
        ("payment.succeeded", ORDER_NO, None, None),
        ("reconciliation.completed", None, "k_audit", done),
        ("reconciliation.completed", None, "k_ops", done),
    ]
    assert all(m.event_id.startswith("evt_") for m in first)
    assert len({m.event_id for m in first}) == 3
    # Lease ran out for the two run webhooks (never recorded): claimed again; the payment's next still waits.
    assert sorted((m.event_type, m.api_key_id) for m in again) == [
        ("reconciliation.completed", "k_audit"), ("reconciliation.completed", "k_ops")]
    assert (run_message.created, run_message.status, run_message.run_id) == (at(500), DeliveryStatus.PENDING, done)


async def test_a_run_end_whose_webhooks_cannot_be_written_is_not_recorded_either(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconciliation_runs, "new_event_id", lambda: "evt_the_same")  # the 2nd row is refused
    engine = make_engine(database_url)
    try:
        runs = SqlReconciliationRuns(engine)
        run_id = await runs.start(RunStart(DAY, "alipay", "2021", 1, at(400)))
        with pytest.raises(sa.exc.IntegrityError):
            await runs.finish(run_id, RunEnd("completed", at(500), webhook="reconciliation.completed",
                                             webhook_to=("k_ops", "k_audit")), [])
        async with engine.connect() as conn:
            status = (await conn.execute(sa.select(reconciliation_run.c.status))).scalar_one()
            queued = (await conn.execute(sa.select(sa.func.count()).select_from(webhook_outbox))).scalar_one()
    finally:
        await engine.dispose()
    assert (status, queued) == ("running", 0)  # one transaction: neither the end nor a webhook without it
