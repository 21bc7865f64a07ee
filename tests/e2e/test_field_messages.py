"""Messages that say what to fix: every invalid field by its JSON path with its reason, in English and Chinese;
an empty body and bad JSON said plainly; rules in words, not regexes; a closed payment's refund says closed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entrypoints.http.field_messages import body_problems, explain
from entrypoints.http.schemas import CreatePaymentRequest
from tests.e2e.conftest import Env, order

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


async def post(env: Env, content: bytes, **headers: str) -> dict[str, Any]:
    response = await env.client.post("/v1/payments", content=content,
                                     headers=env.auth(**{"Content-Type": "application/json", **headers}))
    assert response.status_code == 400, response.text
    answer: dict[str, Any] = response.json()
    assert answer["code"] == "VALIDATION_ERROR"
    return answer


async def test_every_invalid_field_is_named_by_its_path_with_its_reason_in_both_languages(env: Env) -> None:
    body = b'{"order_no": "abc", "payment_type": "paypal", "subject": 7, "total_amount": "1.00", "expire_minutes": 0}'
    english = await post(env, body)
    keys = [f["key"] for f in english["extra"]["fields"]]
    assert keys == ["order_no", "payment_type", "pay_method", "subject", "expire_minutes"]  # all, not the first
    assert english["extra"]["field"] == "order_no"
    detail = english["detail"]
    assert "order_no must be 6–32 letters, digits, `_` or `-`" in detail  # the rule in words
    assert "regex" not in detail
    assert "payment_type must be one of 'alipay', 'wechat'" in detail
    assert "pay_method is required" in detail
    assert "subject must be a string (got an integer)" in detail
    assert "expire_minutes must be at least 1" in detail
    assert "data" not in keys

    chinese = (await post(env, body, **ZH))["detail"]
    assert "order_no 须为 6–32 位字母、数字、_ 或 -" in chinese
    assert "pay_method 必填" in chinese
    assert "subject 应为字符串（收到整数）" in chinese
    assert "-" not in chinese.split("：", 1)[0]


@pytest.mark.parametrize(("content", "english", "chinese"), [
    (b"", "the request body is empty", "请求体为空"),
    (b"   ", "the request body is empty", "请求体为空"),
    (b'{"order_no": ', "the request body is not valid JSON", "请求体不是合法的 JSON"),
    (b"[1, 2]", "the request body must be a JSON object", "请求体必须是 JSON 对象"),
])
async def test_an_empty_body_and_bad_json_are_said_plainly(env: Env, content: bytes, english: str,
                                                          chinese: str) -> None:
    answer = await post(env, content)
    assert english in answer["detail"]
    assert answer["extra"]["fields"][0]["key"] == "body"
    assert chinese in (await post(env, content, **ZH))["detail"]


async def test_a_missing_field_is_named_not_data(env: Env) -> None:
    body = order()
    del body["subject"]

    answer = await post(env, json.dumps(body).encode())
    assert answer["extra"]["fields"] == [{"key": "subject", "source": "body", "message": "is required",
                                          "message_zh": "必填"}]
    chinese = (await post(env, json.dumps(body).encode(), **ZH))["detail"]
    assert chinese == "请求参数有误：subject 必填。请按接口文档修正后重试。"


async def test_refunding_a_closed_payment_says_it_was_closed_in_both_languages(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    await env.client.post("/v1/payments/T20261124001/close", headers=env.auth())
    refund = {"refund_no": "R1", "refund_amount": "1.00"}
    english = await env.client.post("/v1/payments/T20261124001/refunds", json=refund, headers=env.auth())
    assert english.status_code == 409
    assert english.json()["code"] == "PAYMENT_NOT_PAID"  # the stable code stays
    assert "was closed" in english.json()["detail"]
    assert "cannot move to" not in english.json()["detail"]
    chinese = await env.client.post("/v1/payments/T20261124001/refunds", json=refund, headers=env.auth(**ZH))
    assert "已关闭" in chinese.json()["detail"]
    assert "尚未支付" not in chinese.json()["detail"]


async def test_refunding_a_payment_still_waiting_says_not_paid_yet(env: Env) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    refused = await env.client.post("/v1/payments/T20261124001/refunds", json={
        "refund_no": "R1", "refund_amount": "1.00"}, headers=env.auth(**ZH))
    assert "尚未支付" in refused.json()["detail"]


def test_nested_paths_and_length_rules_are_in_words() -> None:
    assert explain("items", "Expected `str` of length <= 128 - at `$[2].name`").key == "items[2].name"
    assert explain("subject", "Expected `str` of length <= 128").message == "must be at most 128 characters"
    assert explain("subject", "Expected `str` of length >= 1").message_zh == "至少 1 个字符"
    # payment_type and pay_method may both be left out (the payer chooses): the first missing field is the subject
    assert body_problems(b'{"order_no": "T20261124001"}', CreatePaymentRequest)[0].key == "subject"


def test_a_rule_not_yet_said_in_words_still_has_a_chinese_reason() -> None:
    problem = explain("items", "Expected `array` of length <= 50")
    assert problem.message == "Expected `array` of length <= 50"
    assert problem.message_zh.startswith("不符合要求")
