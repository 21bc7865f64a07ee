"""POST /v1/payments over HTTP: a repeat of an order_no is the same request only when every field is."""

from __future__ import annotations

from tests.e2e.conftest import Env, order

FIRST = order(notify_url="https://shop.example/hooks/paycore", return_url="https://shop.example/paid",
              expire_minutes=60)


async def test_a_repeat_with_another_webhook_address_is_409_naming_the_field(env: Env) -> None:
    assert (await env.client.post("/v1/payments", json=FIRST, headers=env.auth())).status_code == 201
    changed = {**FIRST, "notify_url": "https://shop.example/hooks/new"}

    clash = await env.client.post("/v1/payments", json=changed, headers=env.auth())

    assert clash.status_code == 409, clash.text
    body = clash.json()
    assert (body["code"], body["extra"]) == ("ORDER_NO_CONFLICT", {"order_no": "T20261124001",
                                                                   "fields": ["notify_url"]})
    assert "different notify_url" in body["detail"]
    chinese = await env.client.post("/v1/payments", json=changed, headers=env.auth(**{"Accept-Language": "zh-CN"}))
    assert "以下字段不同：notify_url" in chinese.json()["detail"]
    assert env.alipay.calls == ["create"]


async def test_a_repeat_with_another_expiry_or_return_url_is_409_and_the_exact_repeat_200(env: Env) -> None:
    assert (await env.client.post("/v1/payments", json=FIRST, headers=env.auth())).status_code == 201

    shorter = await env.client.post("/v1/payments", json={**FIRST, "expire_minutes": 30}, headers=env.auth())
    no_return = {key: value for key, value in FIRST.items() if key != "return_url"}
    elsewhere = await env.client.post("/v1/payments", json=no_return, headers=env.auth())
    exact = await env.client.post("/v1/payments", json=FIRST, headers=env.auth())

    assert (shorter.status_code, shorter.json()["extra"]["fields"]) == (409, ["expire_minutes"])
    assert (elsewhere.status_code, elsewhere.json()["extra"]["fields"]) == (409, ["return_url"])
    assert exact.status_code == 200, exact.text


async def test_a_repeat_leaving_out_what_the_first_left_out_is_200(env: Env) -> None:
    assert (await env.client.post("/v1/payments", json=order(), headers=env.auth())).status_code == 201
    again = await env.client.post("/v1/payments", json=order(expire_minutes=30), headers=env.auth())
    assert again.status_code == 200, again.text
