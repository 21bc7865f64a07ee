"""Bad input gets a clear error with a stable code, never a 500; provider and config failures are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from application.errors import ProviderError, ProviderUnavailable
from application.records import PaymentConfig
from domain.kinds import PaymentType, PayMethod
from entrypoints.http.app import create_app
from tests.e2e.conftest import Env, build_env, order

BAD_BODIES = [
    pytest.param({**order(), "order_no": 123}, id="number-for-order-no"),
    pytest.param({**order(), "order_no": "short"}, id="order-no-too-short"),
    pytest.param({**order(), "order_no": "T2026/1124"}, id="order-no-bad-char"),
    pytest.param({**order(), "payment_type": "bitcoin"}, id="unknown-payment-type"),
    pytest.param({**order(), "total_amount": "9.999"}, id="third-decimal"),
    pytest.param({**order(), "total_amount": "0"}, id="zero"),
    pytest.param({**order(), "total_amount": "-1.00"}, id="negative"),
    pytest.param({**order(), "total_amount": "100000000.01"}, id="too-much"),
    pytest.param({**order(), "total_amount": "abc"}, id="not-a-number"),
    pytest.param({**order(), "total_amount": True}, id="boolean"),
    pytest.param({**order(), "total_amount": None}, id="null"),
    pytest.param({**order(), "subject": ""}, id="empty-subject"),
    pytest.param({**order(), "subject": "x" * 129}, id="long-subject"),
    pytest.param({**order(), "expire_minutes": 0}, id="expire-zero"),
    pytest.param({**order(), "expire_minutes": 1441}, id="expire-too-long"),
    pytest.param({**order(), "notify_url": "ftp://x"}, id="non-http-notify-url"),
    pytest.param({k: v for k, v in order().items() if k != "subject"}, id="missing-subject"),
    pytest.param([1, 2], id="array"),
    pytest.param("just a string", id="string"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_a_malformed_create_body_is_400_validation_error(env: Env, body: object) -> None:
    response = await env.client.post("/v1/payments", json=body, headers=env.auth())
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["detail"]


@pytest.mark.parametrize("raw", [b"{garbage", b"", b"\xff\xfe", b'{"order_no": "T2026112400' + b"9" * 10**5 + b'"}'])
async def test_unparsable_bodies_are_400_not_500(env: Env, raw: bytes) -> None:
    response = await env.client.post("/v1/payments", content=raw,
                                     headers=env.auth(**{"Content-Type": "application/json"}))
    assert 400 <= response.status_code < 500, response.text
    assert "code" in response.json()


@pytest.mark.parametrize("path", ["/v1/payments/%00%ff", "/v1/payments/" + "x" * 300, "/v1/payments?limit=0",
                                  "/v1/payments?limit=201", "/v1/payments?trade_status=PAID",
                                  "/v1/payments?created_from=yesterday", "/v1/payments?cursor=%%%",
                                  "/v1/refunds/" + "r" * 100])
async def test_bad_paths_and_queries_are_4xx_with_a_code(env: Env, path: str) -> None:
    response = await env.client.get(path, headers=env.auth())
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["code"] in {"VALIDATION_ERROR", "PAYMENT_NOT_FOUND", "REFUND_NOT_FOUND"}


async def test_errors_speak_chinese_when_asked(env: Env) -> None:
    response = await env.client.get("/v1/payments/T20261124404", headers=env.auth(**{"Accept-Language": "zh-CN"}))
    assert response.status_code == 404
    assert response.json()["code"] == "PAYMENT_NOT_FOUND"
    assert "找不到" in response.json()["detail"]
    english = await env.client.get("/v1/payments/T20261124404", headers=env.auth())
    assert "no payment" in english.json()["detail"]


async def test_the_same_order_no_with_other_content_is_409_and_a_repeat_is_200(env: Env) -> None:
    assert (await env.client.post("/v1/payments", json=order(), headers=env.auth())).status_code == 201
    repeat = await env.client.post("/v1/payments", json=order(total_amount=99.9), headers=env.auth())
    assert repeat.status_code == 200
    clash = await env.client.post("/v1/payments", json=order(total_amount="99.91"), headers=env.auth())
    assert clash.status_code == 409
    assert clash.json()["code"] == "ORDER_NO_CONFLICT"


async def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(env: Env) -> None:
    headers = env.auth(**{"Idempotency-Key": "k-1"})
    first = await env.client.post("/v1/payments", json=order(), headers=headers)
    retry = await env.client.post("/v1/payments", json=order(), headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["order_no"] == first.json()["order_no"]
    reused = await env.client.post("/v1/payments", json=order("T20261124002"), headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_pay_method_of_the_other_type_is_unsupported(env: Env) -> None:
    response = await env.client.post("/v1/payments", json=order(pay_method=PayMethod.NATIVE), headers=env.auth())
    assert response.status_code == 400
    assert response.json()["code"] == "UNSUPPORTED_PAY_METHOD"


async def test_jsapi_without_openid_is_openid_required(env: Env) -> None:
    response = await env.client.post("/v1/payments", json=order(payment_type=PaymentType.WECHAT,
                                                                pay_method=PayMethod.JSAPI),
                                     headers=env.auth())
    assert response.status_code == 400
    assert response.json()["code"] == "OPENID_REQUIRED"


async def test_an_unknown_config_id_is_404_config_not_found(env: Env) -> None:
    response = await env.client.post("/v1/payments", json=order(config_id=9999), headers=env.auth())
    assert response.status_code == 404
    assert response.json()["code"] == "CONFIG_NOT_FOUND"


@pytest.mark.parametrize(("failure", "code"), [(ProviderUnavailable("timed out"), "PROVIDER_UNAVAILABLE"),
                                               (ProviderError("ACQ.SYSTEM_ERROR", provider_code="ACQ.SYSTEM_ERROR"),
                                                "PROVIDER_ERROR")])
async def test_a_provider_failure_is_502_and_leaves_nothing_so_a_retry_works(
        env: Env, failure: Exception, code: str) -> None:
    env.alipay.fail_with = failure
    failed = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert failed.status_code == 502
    assert failed.json()["code"] == code
    assert (await env.client.get("/v1/payments/T20261124001", headers=env.auth())).status_code == 404
    env.alipay.fail_with = None
    retried = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert retried.status_code == 201


async def test_a_type_with_no_gateway_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    config = PaymentConfig(0, PaymentType.ALIPAY, "no gateway", app_id="2021", is_default=True)
    container, _ = await build_env(tmp_path, gateways={}, configs=(config,))
    key = (await container.api_keys().issue("shop", "payments")).token
    async with AsyncTestClient(create_app(container)) as client:
        response = await client.post("/v1/payments", json=order(), headers={"Authorization": f"Bearer {key}"})
    await container.engine().dispose()
    assert response.status_code == 501
    assert response.json()["code"] == "GATEWAY_NOT_AVAILABLE"
    assert "alipay" in response.json()["detail"]


async def test_no_config_for_the_type_is_404_config_not_found(tmp_path: Path) -> None:
    container, _ = await build_env(tmp_path)
    key = (await container.api_keys().issue("shop", "payments")).token
    async with AsyncTestClient(create_app(container)) as client:
        response = await client.post("/v1/payments", json=order(), headers={"Authorization": f"Bearer {key}"})
    await container.engine().dispose()
    assert response.status_code == 404
    assert response.json()["code"] == "CONFIG_NOT_FOUND"


@pytest.mark.parametrize("body", [{**order(), "subject": "a\x00b"}, {**order(), "body": "\x00"},
                                  {**order(), "openid": "o\x00", "payment_type": "wechat", "pay_method": "jsapi"}])
async def test_a_nul_character_in_any_field_is_400_on_every_database(env: Env, body: dict[str, object]) -> None:
    response = await env.client.post("/v1/payments", json=body, headers=env.auth())
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"


async def test_a_nul_character_in_the_query_is_400(env: Env) -> None:
    response = await env.client.get("/v1/payments?payment_type=%00", headers=env.auth())
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
