"""The reconciliation.completed webhook end to end: a run against the Alipay emulator ends, and the worker sends the
run, as the admin API shows it, to every admin key with a webhook_url (signed with that key's secret, both ways),
never to a payments key; a failed one is listed and resent through the deliveries API like a payment's."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.beijing import BEIJING
from entrypoints.metrics import Metrics
from entrypoints.worker import build_worker
from tests.e2e.alipay_live import SQLITE_AND_POSTGRES, Live, live_alipay, live_alipay_on
from tests.e2e.test_alipay_flows import pay_and_hear
from tests.e2e.test_reconcile_admin_api import admin, until_ended
from tests.e2e.test_standard_webhooks import verifies
from tests.e2e.test_webhooks import readme_verifier
from tests.webhook_receiver import Receiver, receiving


async def run_one(live: Live, call: Any) -> dict[str, Any]:
    """Reconcile today's bill of the heard Alipay app; the run once it ended."""
    today = datetime.now(UTC).astimezone(BEIJING).date()
    started = await call("POST", "/v1/admin/reconciliations",
                         json={"bill_date": today.isoformat(), "config_id": live.config.config_id})
    assert started.status_code == 202, started.text
    return await until_ended(call, started.json()["run_id"])


async def deliveries(call: Any, status: str, within: float = 10.0) -> list[dict[str, Any]]:
    """The reconciliation.* deliveries of a status, once there are some (bounded)."""
    deadline = time.monotonic() + within
    while True:
        items = (await call("GET", "/v1/admin/webhook-deliveries", params={"status": status})).json()["items"]
        found = [d for d in items if d["event_type"].startswith("reconciliation.")]
        if found:
            return found
        assert time.monotonic() < deadline, f"no {status} reconciliation delivery within {within} s"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("backend", SQLITE_AND_POSTGRES)
async def test_an_admin_key_with_a_webhook_url_hears_a_completed_run_signed_and_a_payments_key_does_not(
        backend: str, tmp_path: Path) -> None:
    ops, shop = Receiver(), Receiver()
    async with receiving(ops), receiving(shop), live_alipay_on(backend, tmp_path) as live:
        keys = live.container.api_keys()
        hooked = await keys.issue("ops-hook", "admin", webhook_url=ops.url)
        await keys.issue("shop-hook", "payments", webhook_url=shop.url)
        call = await admin(live)  # an admin key without a webhook_url
        metrics = Metrics()
        worker = build_worker(live.container, metrics, 0.05)
        await worker.start()
        try:
            await pay_and_hear(live, "E2ERECHOOK1", "10.00")
            run = await run_one(live, call)
            [hook] = await ops.wait_for(1, within=10)
            [delivered] = await deliveries(call, "delivered")
            shown = (await call("GET", f"/v1/admin/reconciliations/{run['run_id']}")).json()
        finally:
            await worker.stop()

    assert run["status"] == "completed"
    body = hook.json()
    assert body["type"] == "reconciliation.completed"
    assert body["data"] == shown == run
    assert body["id"].startswith("evt_")
    assert body["id"] == hook.headers["paycore-event-id"] == hook.headers["webhook-id"] == delivered["event_id"]
    assert readme_verifier()(hooked.webhook_secret, hook.body, hook.headers["paycore-signature"])
    assert verifies(hooked.webhook_secret, hook.body, hook.headers)
    assert not verifies(hooked.webhook_secret, hook.body.replace(b'"completed"', b'"failed"'), hook.headers)
    assert (delivered["order_no"], delivered["run_id"], delivered["url"], delivered["attempts"]) == (
        None, run["run_id"], ops.url, 1)
    assert shop.requests == []  # the payments key is never told, though it has a webhook_url
    assert 'paycore_webhook_deliveries_total{outcome="delivered"}' in metrics.render()


async def test_a_run_webhook_that_failed_is_resent_through_the_deliveries_api(tmp_path: Path) -> None:
    ops = Receiver(statuses=[500, 500])
    async with receiving(ops), live_alipay(tmp_path, webhook_retry_schedule=(0,)) as live:
        await live.container.api_keys().issue("ops-hook", "admin", webhook_url=ops.url)
        call = await admin(live)
        worker = build_worker(live.container, Metrics(), 0.05)
        await worker.start()
        try:
            await pay_and_hear(live, "E2ERECHOOK2", "10.00")
            run = await run_one(live, call)
            assert run["status"] == "completed"
            [failed] = await deliveries(call, "failed")
            resent = await call("POST", f"/v1/admin/webhook-deliveries/{failed['delivery_id']}/retry")
            [delivered] = await deliveries(call, "delivered")
            detail = (await call("GET", f"/v1/admin/webhook-deliveries/{delivered['delivery_id']}")).json()
        finally:
            await worker.stop()

    assert (failed["run_id"], failed["attempts"], failed["last_status_code"]) == (run["run_id"], 2, 500)
    assert resent.status_code == 200, resent.text
    assert [a["status_code"] for a in detail["attempts_history"]] == [500, 500, 200]
    assert [r.json()["id"] for r in ops.requests] == [failed["event_id"]] * 3
