"""Hostile request bodies on every JSON route answer 400 with the error body, never a 500, on every backend."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Env, order

DEEP = b'{"a":' * 1000 + b"1" + b"}" * 1000
DEEP_LIST = b'{"order_no": "T20261124001", "body": ' + b"[" * 1000 + b"]" * 1000 + b"}"
ROUTES = [("POST", "/v1/payments", "payments"), ("POST", "/v1/payments/T20261124001/refunds", "payments"),
          ("POST", "/v1/admin/payment-configs", "admin"), ("PATCH", "/v1/admin/payment-configs/1", "admin"),
          ("POST", "/v1/admin/api-keys", "admin")]


@pytest.mark.parametrize("body", [DEEP, DEEP_LIST], ids=["objects", "lists"])
@pytest.mark.parametrize(("method", "path", "scope"), ROUTES)
async def test_json_nested_a_thousand_levels_deep_is_a_400_naming_the_body(
        env: Env, method: str, path: str, scope: str, body: bytes) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    key = env.admin_key if scope == "admin" else env.payments_key
    headers = env.auth(key, **{"Content-Type": "application/json", "Accept-Language": "zh"})

    answer = await env.client.request(method, path, content=body, headers=headers)

    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert (error["code"], error["extra"]["fields"][0]["key"]) == ("VALIDATION_ERROR", "body")
    assert "body" in error["detail"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:8080/", "http://[::]/"])
async def test_a_webhook_address_paycore_never_sends_to_is_refused_when_given(env: Env, url: str) -> None:
    payment = await env.client.post("/v1/payments", json=order(notify_url=url), headers=env.auth())
    key = await env.client.post("/v1/admin/api-keys", json={"name": "erp", "scope": "payments", "webhook_url": url},
                                headers=env.auth(env.admin_key))

    for answer, field in ((payment, "notify_url"), (key, "webhook_url")):
        assert answer.status_code == 400, answer.text
        assert (answer.json()["code"], answer.json()["extra"]["fields"][0]["key"]) == ("VALIDATION_ERROR", field)
    assert (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).status_code == 404
