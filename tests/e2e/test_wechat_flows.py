"""WeChat Pay end to end: the real paycore app and the real emulator on their own ports, SQLite, real RSA keys.

The payer scans and pays on the emulator's page, the emulator's encrypted and signed callbacks reach paycore over
HTTP, and paycore's API shows what happened; callbacks that must not count are sent on demand through the
emulator's control API.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tests.e2e.wechat_live import (
    API_V3_KEY,
    APPID,
    CERT_MCHID,
    MERCHANT_KEYS,
    MERCHANT_SERIAL,
    WeChatLive,
    live_wechat,
    wechat_config,
)
from tests.rsa_keys import key_pair


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[WeChatLive]:
    """paycore and the emulator, served."""
    async with live_wechat(tmp_path) as served:
        yield served


def moment(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 time (paycore's "…Z" or WeChat's "…+08:00") as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def test_a_native_order_is_paid_on_the_scan_page_and_refunded_in_full(live: WeChatLive) -> None:
    live.shift_emulator_clock(-timedelta(minutes=2, seconds=13))  # WeChat's clock is not paycore's
    created = await live.create("WXE2EPAY01")
    assert (created["trade_status"], created["pay_url"], created["pay_params"]) == ("WAIT_BUYER_PAY", None, None)
    order = await live.control("GET", "/transactions/WXE2EPAY01")
    assert created["code_url"] == order["code_url"]
    assert created["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")

    await live.pay_on_scan_page("WXE2EPAY01")
    paid = await live.wait_for_status("WXE2EPAY01", "TRADE_SUCCESS")

    order = await live.control("GET", "/transactions/WXE2EPAY01")
    assert moment(paid["payment_time"]) == moment(order["success_time"])
    assert abs(moment(paid["payment_time"]) - datetime.now(UTC)) > timedelta(minutes=2)
    assert (paid["trade_no"], paid["buyer_id"]) == (order["transaction_id"], order["payer"]["openid"])
    assert (paid["buyer_account"], paid["receipt_amount"]) == (None, "99.90")

    refund = await live.api("POST", "/v1/payments/WXE2EPAY01/refunds",
                            json={"refund_no": "WXE2EREF01", "refund_amount": "99.90", "reason": "full"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["refund_status"] == "PROCESSING"
    done = await live.control("POST", "/refunds/WXE2EREF01/succeed")
    settled = await live.wait_for_refund_status("WXE2EREF01", "SUCCESS")

    assert (settled["provider_refund_id"], settled["refund_amount"]) == (done["refund_id"], "99.90")
    assert moment(settled["success_time"]) == moment(done["success_time"])
    after = await live.payment("WXE2EPAY01")
    assert (after["trade_status"], after["refunded_amount"]) == ("REFUNDED", "99.90")
    assert [(e["event_type"], e["source"]) for e in await live.events("WXE2EPAY01")] == [
        ("payment.created", "api"), ("payment.succeeded", "notify"), ("refund.created", "api"),
        ("refund.succeeded", "notify"), ("payment.refunded", "notify")]
    callbacks = await live.wait_for_callbacks("WXE2EPAY01", 2)
    assert [(c["event_type"], c["status_code"], c["body"]) for c in callbacks] == [
        ("TRANSACTION.SUCCESS", 204, ""), ("REFUND.SUCCESS", 204, "")]


async def test_a_jsapi_order_answers_pay_params_signed_with_the_merchant_key(live: WeChatLive) -> None:
    created = await live.create("WXE2EJSAPI1", "jsapi", openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")

    params = created["pay_params"]
    order = await live.control("GET", "/transactions/WXE2EJSAPI1")
    assert (params["appId"], params["package"], params["signType"]) == (APPID, f"prepay_id={order['prepay_id']}",
                                                                        "RSA")
    assert abs(int(params["timeStamp"]) - datetime.now(UTC).timestamp()) < 60
    message = "".join(f"{params[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package")).encode()
    merchant = load_pem_public_key(key_pair(0).public_pem.encode())
    assert isinstance(merchant, rsa.RSAPublicKey)
    merchant.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())

    await live.control("POST", "/transactions/WXE2EJSAPI1/pay")  # the payer pays inside WeChat
    paid = await live.wait_for_status("WXE2EJSAPI1", "TRADE_SUCCESS")
    assert paid["buyer_id"] == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


async def test_a_certificate_mode_config_is_paid_by_a_callback_signed_with_the_platform_certificate(
        live: WeChatLive) -> None:
    certificate = await live.control("GET", "/certificate")
    config = await wechat_config(live.container, live.wechat, live.emulator_url, CERT_MCHID, APPID,
                                 wechat_public_key="", wechat_public_key_id="",
                                 wechat_platform_cert=certificate["certificate"])
    await live.control("POST", "/merchants", mchid=CERT_MCHID, appid=APPID, merchant_serial_no=MERCHANT_SERIAL,
                       merchant_public_key=key_pair(MERCHANT_KEYS[CERT_MCHID]).public_pem, api_v3_key=API_V3_KEY,
                       mode="certificate")
    await live.create("WXE2ECERT01", config_id=config.config_id)

    await live.pay_on_scan_page("WXE2ECERT01")

    await live.wait_for_status("WXE2ECERT01", "TRADE_SUCCESS")
    (callback,) = await live.wait_for_callbacks("WXE2ECERT01", 1)
    assert (callback["status_code"], callback["url"]) == (
        204, f"{live.paycore_url}/v1/notify/wechat/{config.config_id}")


async def test_sync_finds_a_payment_and_a_refund_whose_callbacks_were_lost(live: WeChatLive) -> None:
    await live.create("WXE2ELOST1", config_id=live.lost_config.config_id)
    order = await live.control("POST", "/transactions/WXE2ELOST1/pay")
    attempts = await live.wait_for_callbacks("WXE2ELOST1", 2)
    assert not any(a["acknowledged"] for a in attempts)  # nobody listens at the config's notify_url

    synced = await live.get("/v1/payments/WXE2ELOST1?sync=true")

    assert (synced["trade_status"], synced["trade_no"]) == ("TRADE_SUCCESS", order["transaction_id"])
    assert moment(synced["payment_time"]) == moment(order["success_time"])
    refund = await live.api("POST", "/v1/payments/WXE2ELOST1/refunds",
                            json={"refund_no": "WXE2ELOSTR1", "refund_amount": "40.00"})
    assert (refund.status_code, refund.json()["refund_status"]) == (201, "PROCESSING")
    await live.control("POST", "/refunds/WXE2ELOSTR1/succeed")
    assert (await live.get("/v1/refunds/WXE2ELOSTR1"))["refund_status"] == "PROCESSING"  # its callback is lost
    settled = await live.get("/v1/refunds/WXE2ELOSTR1?sync=true")
    assert settled["refund_status"] == "SUCCESS"
    after = await live.payment("WXE2ELOST1")
    assert (after["trade_status"], after["refunded_amount"]) == ("TRADE_SUCCESS", "40.00")
    assert [(e["event_type"], e["source"]) for e in await live.events("WXE2ELOST1")] == [
        ("payment.created", "api"), ("payment.succeeded", "sync"), ("refund.created", "api"),
        ("refund.succeeded", "sync")]


async def test_closing_an_unpaid_native_order_closes_it_at_the_emulator_too(live: WeChatLive) -> None:
    await live.create("WXE2ECLOSE1")

    closed = await live.api("POST", "/v1/payments/WXE2ECLOSE1/close")

    assert (closed.status_code, closed.json()["trade_status"]) == (200, "TRADE_CLOSED")
    assert (await live.control("GET", "/transactions/WXE2ECLOSE1"))["trade_state"] == "CLOSED"
    scan_url = (await live.control("GET", "/transactions/WXE2ECLOSE1"))["scan_url"]
    refused = await live.http.post(f"{scan_url}/pay")
    assert refused.status_code == 409  # the payer can no longer pay it
    assert [e["event_type"] for e in await live.events("WXE2ECLOSE1")] == ["payment.created", "payment.closed"]


async def snapshot(live: WeChatLive, order_no: str) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """What must not change: the payment, its journal, and how many notifications were logged."""
    return await live.payment(order_no), await live.events(order_no), len(await live.notifications())


async def send_variant(live: WeChatLive, order_no: str, variant: str, notify_url: str = "") -> dict[str, Any]:
    """Have the emulator send one callback variant now; what was sent and what paycore answered."""
    answer: dict[str, Any] = await live.control("POST", f"/transactions/{order_no}/callback", variant=variant,
                                                notify_url=notify_url)
    return answer


async def test_a_duplicate_callback_is_acknowledged_and_changes_nothing(live: WeChatLive) -> None:
    await live.create("WXE2EDUP01")
    await live.pay_on_scan_page("WXE2EDUP01")
    await live.wait_for_status("WXE2EDUP01", "TRADE_SUCCESS")
    await live.wait_for_callbacks("WXE2EDUP01", 1)
    before = await snapshot(live, "WXE2EDUP01")

    answer = await send_variant(live, "WXE2EDUP01", "duplicate")

    assert (answer["status_code"], answer["body"], answer["acknowledged"]) == (204, "", True)
    assert await snapshot(live, "WXE2EDUP01") == (*before[:2], before[2] + 1)
    record = (await live.notifications())[-1]
    assert (record.order_no, record.outcome, record.reason) == ("WXE2EDUP01", "already_applied", None)
    assert json.loads(record.raw)["body"] == answer["sent"]["body"]


@pytest.mark.parametrize(("variant", "reason"), [
    ("stale", "stale_timestamp"),
    ("wrong_serial", "unknown_serial"),
    ("probe", "signature_probe"),
    ("undecryptable", "undecryptable"),
    ("wrong_amount", "amount_mismatch"),
])
async def test_a_bad_callback_is_refused_and_changes_nothing(live: WeChatLive, variant: str, reason: str) -> None:
    order_no = f"WXE2EBAD{variant.upper().replace('_', '')[:8]}"
    await live.create(order_no, config_id=live.lost_config.config_id)
    await live.control("POST", f"/transactions/{order_no}/pay")  # paid at WeChat; its callbacks go nowhere
    notify_url = f"{live.paycore_url}/v1/notify/wechat/{live.lost_config.config_id}"
    before = await snapshot(live, order_no)

    answer = await send_variant(live, order_no, variant, notify_url)

    assert (answer["status_code"], answer["acknowledged"]) == (400, False)
    assert json.loads(answer["body"]) == {"code": "FAIL", "message": f"notification not accepted: {reason}"}
    assert await snapshot(live, order_no) == (*before[:2], before[2] + 1)
    assert before[0]["trade_status"] == "WAIT_BUYER_PAY"
    record = (await live.notifications())[-1]
    assert (record.outcome, record.reason, record.config_id) == ("rejected", reason, live.lost_config.config_id)
    kept = json.loads(record.raw)
    assert kept["body"] == answer["sent"]["body"]  # kept raw, signature headers and all
    assert kept["headers"]["wechatpay-signature"] == answer["sent"]["headers"]["Wechatpay-Signature"]

    # The genuine callback of the same order is accepted: only the variant's flaw was refused.
    genuine = await send_variant(live, order_no, "current", notify_url)
    assert (genuine["status_code"], (await live.payment(order_no))["trade_status"]) == (204, "TRADE_SUCCESS")
