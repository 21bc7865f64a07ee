"""Alipay qr and WeChat h5 end to end: the real paycore app and the real emulator on their own ports, SQLite, the
official SDKs. The payer scans the qr_code (or opens the h5_url) and pays on the emulator's page; the signed
notification reaches paycore over HTTP and the API shows the payment paid."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from entrypoints.http.app import create_app
from tests.e2e.alipay_live import Live, live_alipay, serving
from tests.e2e.wechat_live import WeChatLive, live_wechat


@pytest.fixture
async def alipay(tmp_path: Path) -> AsyncIterator[Live]:
    async with live_alipay(tmp_path) as served:
        yield served


@pytest.fixture
async def wechat(tmp_path: Path) -> AsyncIterator[WeChatLive]:
    async with live_wechat(tmp_path) as served:
        yield served


async def test_an_alipay_qr_payment_is_scanned_paid_and_refunded(alipay: Live) -> None:
    created = await alipay.create("QRE2E0001", "12.34", pay_method="qr")
    assert (created["pay_method"], created["pay_url"], created["pay_params"]) == ("qr", None, None)
    assert created["code_url"].startswith(f"{alipay.emulator_url}/alipay/qr/")
    trade = await alipay.control("GET", "/trades/QRE2E0001")
    # pre-created: Alipay holds the trade before anyone scans
    assert (trade["trade_status"], trade["product_code"]) == ("WAIT_BUYER_PAY", "FACE_TO_FACE_PAYMENT")

    assert "请使用支付宝扫一扫付款" in (await alipay.http.get(created["cashier_url"])).text  # Chinese by default
    await alipay.pay_at_cashier(created["code_url"])
    paid = await alipay.wait_for_status("QRE2E0001", "TRADE_SUCCESS")
    assert (paid["code_url"], paid["receipt_amount"]) == (created["code_url"], "12.34")

    refund = await alipay.api("POST", "/v1/payments/QRE2E0001/refunds", json={"refund_no": "QRE2ER01",
                                                                            "refund_amount": "2.34"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["refund_status"] == "SUCCESS"
    assert (await alipay.payment("QRE2E0001", sync=True))["refunded_amount"] == "2.34"


async def test_an_alipay_qr_create_alipay_fails_answers_502_and_stores_nothing(alipay: Live) -> None:
    await alipay.control("POST", "/faults", mode="http_500", count=1, seconds=0)
    failed = await alipay.api("POST", "/v1/payments", json={
        "order_no": "QRE2E0002", "payment_type": "alipay", "pay_method": "qr", "subject": "s", "total_amount": "1"})
    assert (failed.status_code, failed.json()["code"]) == (502, "PROVIDER_UNAVAILABLE"), failed.text
    assert (await alipay.api("GET", "/v1/payments/QRE2E0002")).status_code == 404
    assert (await alipay.create("QRE2E0002", "1", pay_method="qr", subject="s"))["code_url"]  # a retry starts clean


@pytest.mark.parametrize(("payment_type", "pay_method"), [("alipay", "h5"), ("wechat", "qr")])
async def test_a_method_of_the_other_provider_is_refused(alipay: Live, payment_type: str, pay_method: str) -> None:
    response = await alipay.api("POST", "/v1/payments", json={
        "order_no": "QRE2E0003", "payment_type": payment_type, "pay_method": pay_method, "subject": "s",
        "total_amount": "1"})
    assert (response.status_code, response.json()["code"]) == (400, "UNSUPPORTED_PAY_METHOD"), response.text


async def test_a_wechat_h5_payment_is_paid_on_the_h5_page_with_the_callers_address_as_payer_ip(
        wechat: WeChatLive) -> None:
    created = await wechat.create("H5E2E0001", pay_method="h5")
    assert (created["pay_method"], created["code_url"], created["pay_params"]) == ("h5", None, None)
    order = await wechat.control("GET", "/transactions/H5E2E0001")
    assert (created["pay_url"], order["trade_type"]) == (order["h5_url"], "MWEB")
    assert order["payer_client_ip"] == "127.0.0.1"  # no payer_client_ip given: the address the request came from
    assert "去微信付款" in (await wechat.http.get(created["cashier_url"])).text  # Chinese by default

    page = await wechat.http.get(created["pay_url"])  # the phone browser opens the h5_url, the payer presses Pay
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+/pay)"', page.text)
    assert action is not None, page.text
    assert (await wechat.http.post(urljoin(created["pay_url"], action.group(1)))).status_code == 200
    paid = await wechat.wait_for_status("H5E2E0001", "TRADE_SUCCESS")
    assert paid["trade_no"] == (await wechat.control("GET", "/transactions/H5E2E0001"))["transaction_id"]


async def test_a_given_payer_client_ip_goes_to_wechat_and_a_bad_one_is_a_400_naming_it(wechat: WeChatLive) -> None:
    await wechat.create("H5E2E0002", pay_method="h5", payer_client_ip="2001:db8::23")
    assert (await wechat.control("GET", "/transactions/H5E2E0002"))["payer_client_ip"] == "2001:db8::23"
    closed = await wechat.api("POST", "/v1/payments/H5E2E0002/close")
    assert closed.json()["trade_status"] == "TRADE_CLOSED", closed.text

    refused = await wechat.api("POST", "/v1/payments", json={
        "order_no": "H5E2E0003", "payment_type": "wechat", "pay_method": "h5", "subject": "s", "total_amount": "1",
        "payer_client_ip": "203.0.113.300"})
    assert refused.status_code == 400, refused.text
    (field,) = refused.json()["extra"]["fields"]
    assert (field["key"], field["message"]) == ("payer_client_ip", "is not an IPv4 or IPv6 address")
    assert field["message_zh"] == "不是有效的 IPv4 或 IPv6 地址"
    assert (await wechat.api("GET", "/v1/payments/H5E2E0003")).status_code == 404


async def test_an_h5_payment_from_a_request_with_no_client_address_is_a_400_in_both_languages_before_wechat(
        wechat: WeChatLive, tmp_path: Path) -> None:
    # paycore behind a front server on a Unix socket (uvicorn --uds): its requests carry no client address
    path = str(tmp_path / "paycore.sock")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)
        async with (serving(create_app(wechat.container), sock),
                    httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(uds=path), timeout=10.0) as local):
            body = {"order_no": "H5E2E0004", "payment_type": "wechat", "pay_method": "h5", "subject": "s",
                    "total_amount": "1"}
            auth = {"Authorization": f"Bearer {wechat.payments_key}"}
            english = await local.post("http://paycore/v1/payments", json=body, headers=auth)
            chinese = await local.post("http://paycore/v1/payments", json=body,
                                       headers=auth | {"Accept-Language": "zh"})
            given = await local.post("http://paycore/v1/payments", json=body | {"payer_client_ip": "203.0.113.9"},
                                     headers=auth)
    for refused in (english, chinese):
        assert (refused.status_code, refused.json()["code"]) == (400, "PAYER_CLIENT_IP_REQUIRED"), refused.text
        assert refused.json()["extra"] == {"field": "payer_client_ip"}
    assert "pass payer_client_ip" in english.json()["detail"]
    assert "请传入 payer_client_ip" in chinese.json()["detail"]
    assert given.status_code == 201, given.text  # the same request with the payer's address is paid as usual
    assert wechat.api_calls() == 1  # the refused ones never reached WeChat
    assert (await wechat.control("GET", "/transactions/H5E2E0004"))["payer_client_ip"] == "203.0.113.9"


async def test_an_h5_payment_whose_forwarded_address_is_no_ip_address_is_a_400_before_wechat(
        wechat: WeChatLive) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; a proxy that does not know the address says so
    headers = {"Authorization": f"Bearer {wechat.payments_key}", "X-Forwarded-For": "unknown"}
    refused = await wechat.http.post(f"{wechat.paycore_url}/v1/payments", headers=headers, json={
        "order_no": "H5E2E0005", "payment_type": "wechat", "pay_method": "h5", "subject": "s", "total_amount": "1"})
    assert (refused.status_code, refused.json()["code"]) == (400, "PAYER_CLIENT_IP_REQUIRED"), refused.text
    assert wechat.api_calls() == 0
