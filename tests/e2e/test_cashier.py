"""The cashier page: what the payer sees, escaped, behind its link's token, with nothing more than needed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import Env, order


async def created(env: Env, **overrides: Any) -> tuple[dict[str, Any], str]:
    """Create a payment; its view and its cashier path with the token (`/pay/…?t=…`)."""
    body = (await env.client.post("/v1/payments", json=order(**overrides), headers=env.auth())).json()
    url = urlsplit(body["cashier_url"])
    return body, f"{url.path}?{url.query}"


def status_path(cashier: str) -> str:
    path, _, query = cashier.partition("?")
    return f"{path}/status?{query}"


async def test_the_cashier_page_shows_the_order_and_links_to_the_pay_url(env: Env) -> None:
    _, cashier = await created(env, subject="<script>alert(1)</script>")
    page = await env.client.get(cashier)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"  # the token never leaves in a Referer
    assert "99.90" in page.text
    assert 'href="https://fake.example/pay/T20261124001"' in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "Bearer" not in page.text
    assert "test alipay" in page.text  # the merchant: no PAYCORE_MERCHANT_NAME here, so the config's name


async def test_the_page_names_no_internal_id_and_no_other_token(env: Env) -> None:
    body, cashier = await created(env)
    page = (await env.client.get(cashier)).text
    assert "config_id" not in page
    assert env.payments_key not in page
    assert env.admin_key not in page
    token = cashier.split("t=")[1]
    assert set(re.findall(r"t=([A-Za-z0-9_-]{20,})", page)) == {token}  # only its own link's
    assert body["trade_status"] == "WAIT_BUYER_PAY"


async def test_the_cashier_page_shows_times_in_beijing_time_while_the_api_keeps_utc(env: Env) -> None:
    body, cashier = await created(env)
    assert body["expire_time"].endswith("Z")
    expires = datetime.fromisoformat(body["expire_time"].replace("Z", "+00:00"))
    page = (await env.client.get(cashier)).text
    assert (expires + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M (UTC+08:00)") in page  # the payer's clock
    assert expires.strftime("%Y-%m-%d %H:%M") not in page  # not UTC


async def test_the_status_endpoint_follows_the_payment(env: Env) -> None:
    _, cashier = await created(env)
    status = status_path(cashier)
    assert (await env.client.get(status)).json() == {"trade_status": "WAIT_BUYER_PAY", "state": "open"}
    await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    assert (await env.client.get(status)).json() == {"trade_status": "TRADE_CLOSED", "state": "closed"}
    closed_page = await env.client.get(cashier)
    assert 'id="pay"' not in closed_page.text
    assert 'data-state="closed"' in closed_page.text


async def test_chinese_by_default_english_by_accept_language_or_the_switch(env: Env) -> None:
    _, cashier = await created(env)
    chinese = (await env.client.get(cashier)).text
    assert "去支付宝付款" in chinese
    assert "Pay with Alipay" not in chinese
    english = (await env.client.get(cashier, headers={"Accept-Language": "en-US,en;q=0.9"})).text
    assert "Pay with Alipay" in english
    assert "去支付宝付款" not in english
    switched = (await env.client.get(cashier + "&lang=en")).text
    assert "Pay with Alipay" in switched
    assert "去支付宝付款" in (await env.client.get(cashier + "&lang=zh", headers={"Accept-Language": "en"})).text


async def test_no_token_a_wrong_token_and_an_unknown_order_are_the_same_404(env: Env) -> None:
    _, cashier = await created(env)
    path, _, query = cashier.partition("?")
    token = query.removeprefix("t=")
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    asked = [path, f"{path}?t=", f"{path}?t={wrong}", f"/pay/T20261124404?t={token}", "/pay/T20261124404"]
    pages = [await env.client.get(p) for p in asked]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1  # nothing tells them apart
    assert "Thesis polishing" not in pages[0].text
    assert "99.90" not in pages[0].text
    statuses = [await env.client.get(status_path(p) if "?" in p else f"{p}/status") for p in asked]
    assert {s.status_code for s in statuses} == {404}
    assert {s.json()["code"] for s in statuses} == {"PAYMENT_NOT_FOUND"}
    bodies = [{k: v for k, v in s.json().items() if k != "request_id"} for s in statuses]
    assert bodies[0] == bodies[1] == bodies[2] == {**bodies[3], "detail": bodies[3]["detail"].replace("404", "001"),
                                                   "extra": {"order_no": "T20261124001"}}


async def test_a_token_is_bound_to_its_order(env: Env) -> None:
    _, first = await created(env)
    _, second = await created(env, order_no="T20261124002")
    swapped = first.split("?")[0] + "?" + second.split("?")[1]
    assert (await env.client.get(swapped)).status_code == 404
    assert (await env.client.get(second)).status_code == 200
