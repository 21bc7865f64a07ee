"""Refunds unsettled past PAYCORE_REFUND_ATTENTION_HOURS: listed for operators, counted on /metrics, logged once
at WARNING, and sent again through the admin API (real paycore, real emulator, SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.kinds import PaymentType, PayMethod
from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.alipay_live import Live, live_alipay
from tests.e2e.conftest import Env, order
from tests.e2e.refund_outcomes import tick
from tests.e2e.test_alipay_flows import pay_and_hear

STALE = "/v1/admin/refunds?status=PROCESSING&stale=true"
GAUGE = "paycore_refunds_needing_attention"


@pytest.fixture(params=SQL_BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator, with every PROCESSING refund needing attention at once (0 hours)."""
    url = await migrated_database(request.param, tmp_path)
    async with live_alipay(tmp_path, url, refund_attention_hours=0) as served:
        yield served


async def admin(live: Live) -> dict[str, str]:
    key = await live.container.api_keys().issue("ops", "admin")
    return {"Authorization": f"Bearer {key.token}"}


async def lost_refund(live: Live, order_no: str, refund_no: str) -> None:
    await pay_and_hear(live, order_no)
    await live.control("POST", "/faults", mode="lost", count=1, seconds=0.0)
    answer = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                            json={"refund_no": refund_no, "refund_amount": "20.00"})
    assert answer.status_code == 502, answer.text


async def test_a_stale_refund_is_listed_counted_logged_once_and_an_operator_resends_it(
        live: Live, caplog: pytest.LogCaptureFixture) -> None:
    await lost_refund(live, "E2ESTALE01", "E2ESR1")
    headers = await admin(live)

    listed = await live.http.get(f"{live.paycore_url}{STALE}", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [(r["refund_no"], r["refund_status"]) for r in listed.json()["items"]] == [("E2ESR1", "PROCESSING")]
    metrics = (await live.http.get(f"{live.paycore_url}/metrics")).text
    assert f"{GAUGE} 1" in metrics.splitlines()
    with caplog.at_level(logging.WARNING, logger="paycore.refunds"):
        assert await tick(live.container, "refund_attention") == 1
        assert await tick(live.container, "refund_attention") == 0
    warnings = [r for r in caplog.records if "refund.needs_attention" in r.getMessage()]
    assert [(r.levelno, "E2ESR1" in r.getMessage()) for r in warnings] == [(logging.WARNING, True)]

    resent = await live.http.post(f"{live.paycore_url}/v1/admin/refunds/E2ESR1/resend", headers=headers)

    assert (resent.status_code, resent.json()["refund_status"]) == (200, "SUCCESS")
    assert [r["out_request_no"] for r in (await live.control("GET", "/trades/E2ESTALE01"))["refunds"]] == ["E2ESR1"]
    assert (await live.events("E2ESTALE01"))[-1]["source"] == "admin"
    assert (await live.http.get(f"{live.paycore_url}{STALE}", headers=headers)).json()["items"] == []
    assert f"{GAUGE} 0" in (await live.http.get(f"{live.paycore_url}/metrics")).text.splitlines()


async def test_resending_a_settled_refund_is_a_clear_409_and_an_unknown_one_404(live: Live) -> None:
    await pay_and_hear(live, "E2ESTALE02")
    settled = await live.api("POST", "/v1/payments/E2ESTALE02/refunds",
                             json={"refund_no": "E2ESR2", "refund_amount": "10.00"})
    assert settled.json()["refund_status"] == "SUCCESS"
    headers = {**await admin(live), "Accept-Language": "zh-CN"}

    again = await live.http.post(f"{live.paycore_url}/v1/admin/refunds/E2ESR2/resend", headers=headers)
    unknown = await live.http.post(f"{live.paycore_url}/v1/admin/refunds/E2ENOPE/resend", headers=headers)

    assert (again.status_code, again.json()["code"]) == (409, "REFUND_NOT_PROCESSING")
    assert "处理中" in again.json()["detail"]
    assert (unknown.status_code, unknown.json()["code"]) == (404, "REFUND_NOT_FOUND")
    payments_key = await live.http.get(f"{live.paycore_url}{STALE}", headers=live.auth())
    assert payments_key.status_code == 403


async def test_a_bad_admin_refund_query_is_a_400_validation_error(live: Live) -> None:
    headers = await admin(live)
    for query in ("status=LOST", "stale=maybe", "limit=0", "cursor=not-a-cursor"):
        answer = await live.http.get(f"{live.paycore_url}/v1/admin/refunds?{query}", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR"), query


async def test_a_refund_younger_than_the_attention_hours_is_processing_but_not_stale(env: Env) -> None:
    created = await env.client.post("/v1/payments", json=order(payment_type=PaymentType.WECHAT,
                                                               pay_method=PayMethod.NATIVE),
                                    headers=env.auth())
    assert created.status_code == 201, created.text
    env.wechat.pay("T20261124001")
    assert (await env.client.get("/v1/payments/T20261124001?sync=true", headers=env.auth())).status_code == 200
    refunded = await env.client.post("/v1/payments/T20261124001/refunds", headers=env.auth(),
                                     json={"refund_no": "R-FRESH", "refund_amount": "10.00"})
    assert refunded.json()["refund_status"] == "PROCESSING"
    admin_headers = env.auth(env.admin_key)

    stale = await env.client.get(STALE, headers=admin_headers)
    processing = await env.client.get("/v1/admin/refunds?status=PROCESSING", headers=admin_headers)

    assert stale.json() == {"items": [], "next_cursor": None}  # PAYCORE_REFUND_ATTENTION_HOURS is 72 by default
    assert [r["refund_no"] for r in processing.json()["items"]] == ["R-FRESH"]
    assert f"{GAUGE} 0" in (await env.client.get("/metrics")).text.splitlines()
