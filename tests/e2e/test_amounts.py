"""Amounts at the API: a JSON number read exactly, or a string of ASCII digits with at most two decimals;
anything else is 400 VALIDATION_ERROR naming the field with a reason (in Chinese for zh callers)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Env

REFUSED = ['"1e2"', '" 1.00"', '"１.００"', '""', '"+5"', '"-5"', '"5."', "99.901", "-1", "0", "0.00",
           "100000000.01", "0.30000000000000004", "true", "null", "[1]"]


def body_with(amount: str, order_no: str = "T20261124001") -> bytes:
    """A create body whose total_amount is this exact JSON token."""
    return (f'{{"order_no": "{order_no}", "payment_type": "alipay", "pay_method": "pc", '
            f'"subject": "Thesis polishing", "total_amount": {amount}}}').encode()


async def create(env: Env, raw: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    """POST the raw body; the status and JSON."""
    response = await env.client.post("/v1/payments", content=raw, headers=env.auth(
        **{"Content-Type": "application/json", **headers}))
    return response.status_code, response.json()


@pytest.mark.parametrize(("token", "total"), [("99.9", "99.90"), ('"99.90"', "99.90"), ('"5"', "5.00"),
                                              ("1e2", "100.00"), ("100000000.00", "100000000.00")])
async def test_a_json_number_or_plain_digits_are_taken_exactly(env: Env, token: str, total: str) -> None:
    status, created = await create(env, body_with(token))
    assert status == 201, created
    assert created["total_amount"] == total


@pytest.mark.parametrize("token", REFUSED)
async def test_any_other_amount_is_a_validation_error_naming_the_field(env: Env, token: str) -> None:
    status, refused = await create(env, body_with(token))
    assert (status, refused["code"]) == (400, "VALIDATION_ERROR"), refused
    assert "total_amount" in str(refused["detail"])
    assert refused["extra"] == {"field": "total_amount"} or "total_amount" in str(refused["extra"])
    zh_status, zh = await create(env, body_with(token), **{"Accept-Language": "zh"})
    assert zh_status == 400
    assert any("\u4e00" <= c <= "\u9fff" for c in str(zh["detail"])), zh


@pytest.mark.parametrize("token", ['"1e1"', '"１０"', "10.001"])
async def test_a_refund_amount_follows_the_same_rule(env: Env, token: str) -> None:
    assert (await create(env, body_with('"99.90"')))[0] == 201
    response = await env.client.post("/v1/payments/T20261124001/refunds", headers=env.auth(
        **{"Content-Type": "application/json"}), content=f'{{"refund_no": "R1", "refund_amount": {token}}}'.encode())
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR"), response.text
    assert "refund_amount" in response.json()["detail"]
