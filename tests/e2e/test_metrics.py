"""/metrics through the real app: requests by route template (404s included), payments and refunds counted from
what was committed, whichever path committed it, and prometheus-client's multiprocess mode summing processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Env, order
from tests.e2e.test_notify import fake_notification


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition by name and sorted labels (parsed, not grepped)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(env: Env) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return samples((await env.client.get("/metrics")).text)


async def test_requests_are_counted_by_route_template_and_unmatched_ones_too(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    for _ in range(2):
        await env.client.get("/v1/payments/T20261124001", headers=env.auth())
    await env.client.get("/v1/payments/NOPE000001", headers=env.auth())
    await env.client.get("/no/such/route")
    await env.client.get("/schema/openapi.json")

    found = await scrape(env)
    total = "paycore_http_requests_total"
    assert found[(total, (("method", "POST"), ("route", "/v1/payments"), ("status", "201")))] == 1
    assert found[(total, (("method", "GET"), ("route", "/v1/payments/{order_no}"), ("status", "200")))] == 2
    assert found[(total, (("method", "GET"), ("route", "/v1/payments/{order_no}"), ("status", "404")))] == 1
    assert found[(total, (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    assert not any(name == total and dict(labels)["route"] == "/" for name, labels in found)
    assert any(name == total and dict(labels)["route"].startswith("/schema") for name, labels in found)


async def test_payments_and_refunds_are_counted_once_committed(env: Env) -> None:
    for n in ("T20261124001", "T20261124002"):
        await env.client.post("/v1/payments", json=order(n), headers=env.auth())
    await env.client.post("/v1/payments", json=order("T20261124001"), headers=env.auth())  # a repeat: no new one
    await env.client.post("/v1/notify/alipay", data=fake_notification("T20261124001"))
    await env.client.post("/v1/notify/alipay", data=fake_notification("T20261124001"))  # duplicate
    await env.client.post("/v1/payments/T20261124002/close", headers=env.auth())
    await env.client.post("/v1/payments/T20261124001/refunds", json={"refund_no": "R1", "refund_amount": "99.90"},
                          headers=env.auth())

    found = await scrape(env)
    alipay_pc = (("pay_method", "pc"), ("payment_type", "alipay"))
    assert found[("paycore_payments_created_total", alipay_pc)] == 2
    assert found[("paycore_payments_paid_total", alipay_pc)] == 1
    assert found[("paycore_payments_closed_total", alipay_pc)] == 1
    assert found[("paycore_payments_refunded_total", alipay_pc)] == 1
    refunds = {dict(labels)["outcome"]: value for (name, labels), value in found.items()
               if name == "paycore_refunds_total"}
    assert refunds == {"requested": 1, "succeeded": 1}


SCRIPT = """
import sys
from entrypoints.metrics import Metrics
metrics = Metrics()
if sys.argv[1] == "count":
    metrics.inc("paycore_payments_created_total", "payments created", 3, payment_type="alipay", pay_method="pc")
else:
    print(metrics.render())
"""


def test_in_multiprocess_mode_every_process_sees_the_sum(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):  # two processes count
        subprocess.run([sys.executable, "-c", SCRIPT, "count"], env=env, check=True, timeout=60)
    shown = subprocess.run([sys.executable, "-c", SCRIPT, "show"], env=env, check=True, timeout=60,
                           capture_output=True, text=True).stdout  # a third one shows both
    found = samples(shown)
    assert found[("paycore_payments_created_total", (("pay_method", "pc"), ("payment_type", "alipay")))] == 6
