"""gateway.do's envelope: request signatures, refusals, and signed responses as the SDK expects them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2, verify_with_rsa
from alipay.aop.api.util.WebUtils import url_encode

from tests.emulator import sdk
from tests.emulator.conftest import APP_ID, Emulator
from tests.rsa_keys import key_pair


def signed_params(method: str, biz: str, app_id: str = APP_ID, **extra: str) -> dict[str, str]:
    """Common parameters signed with the merchant's key by the SDK's signer."""
    params = {"app_id": app_id, "method": method, "format": "JSON", "charset": "utf-8", "sign_type": "RSA2",
              "timestamp": "2026-11-24 10:00:00", "version": "1.0", "biz_content": biz, **extra}
    params["sign"] = sign_with_rsa2(key_pair(0).pkcs1_pem, get_sign_content(params), "utf-8")
    return params


async def post_form(emulator: Emulator, params: dict[str, str]) -> httpx.Response:
    return await emulator.http.post("/gateway.do", content=url_encode(params, "utf-8"),
                                    headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})


def split_body(text: str, method: str) -> tuple[str, str]:
    """The response object's exact text and the signature, cut out of the body as Alipay's SDKs do."""
    prefix = '{"' + method.replace(".", "_") + '_response":'
    assert text.startswith(prefix)
    inner, _, rest = text[len(prefix):].rpartition(',"sign":"')
    return inner, rest.removesuffix('"}')


async def test_a_query_through_the_sdk_succeeds_so_its_response_signature_verified(emulator: Emulator) -> None:
    await emulator.open_trade("ORDER-1", "0.10")
    answer = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "ORDER-1"})
    assert answer["code"] == "10000"
    assert answer["msg"] == "Success"
    assert answer["trade_status"] == "WAIT_BUYER_PAY"
    assert answer["total_amount"] == "0.10"


async def test_the_response_signature_covers_the_exact_response_text(emulator: Emulator) -> None:
    response = await post_form(emulator, signed_params("alipay.trade.query", '{"out_trade_no":"nope"}'))
    inner, signature = split_body(response.text, "alipay.trade.query")
    assert verify_with_rsa(emulator.alipay_public_key, inner.encode(), signature)
    assert response.status_code == 200
    assert '"sub_code":"ACQ.TRADE_NOT_EXIST"' in inner


async def test_common_params_in_the_query_and_biz_content_in_the_body_are_read_together(emulator: Emulator) -> None:
    params = signed_params("alipay.trade.query", '{"out_trade_no":"nope"}')
    biz = {"biz_content": params.pop("biz_content")}
    response = await emulator.http.post(f"/gateway.do?{url_encode(params, 'utf-8')}", data=biz)
    assert '"sub_code":"ACQ.TRADE_NOT_EXIST"' in response.text


async def test_a_tampered_request_is_refused_as_invalid_signature(emulator: Emulator) -> None:
    params = signed_params("alipay.trade.query", '{"out_trade_no":"ORDER-1"}')
    params["biz_content"] = '{"out_trade_no":"ORDER-2"}'
    inner, _ = split_body((await post_form(emulator, params)).text, "alipay.trade.query")
    assert '"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature"' in inner


async def test_the_sdk_sees_invalid_signature_when_its_request_is_altered_in_flight(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def tampering_do_post(url: str, query_string: str, headers: Any, params: dict[str, Any], *args: Any) -> bytes:
        params["biz_content"] = params["biz_content"].replace("ORDER-1", "ORDER-2")
        return sdk.port_honouring_do_post(url, query_string, headers, params, *args)

    monkeypatch.setattr("alipay.aop.api.DefaultAlipayClient.do_post", tampering_do_post)
    answer = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "ORDER-1"})
    assert (answer["code"], answer["sub_code"]) == ("40002", "isv.invalid-signature")


async def test_a_request_signed_with_another_key_is_invalid_signature(emulator: Emulator) -> None:
    client = emulator.sdk(merchant=key_pair(2))
    content = await asyncio.to_thread(client.execute, sdk.request(AlipayTradeQueryRequest, {"out_trade_no": "X"}))
    assert '"sub_code":"isv.invalid-signature"' in content


async def test_an_unknown_app_is_invalid_app_id(emulator: Emulator) -> None:
    response = await post_form(emulator, signed_params("alipay.trade.query", "{}", app_id="2021999999999999"))
    inner, _ = split_body(response.text, "alipay.trade.query")
    assert '"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"' in inner


@pytest.mark.parametrize(("dropped", "sub_code"), [("sign", "isv.missing-signature"), ("method", "isv.missing-method"),
                                                    ("app_id", "isv.missing-app-id")])
async def test_a_missing_common_parameter_is_named(emulator: Emulator, dropped: str, sub_code: str) -> None:
    params = signed_params("alipay.trade.query", "{}")
    del params[dropped]
    response = await post_form(emulator, params)
    assert '"code":"40001"' in response.text
    assert f'"sub_code":"{sub_code}"' in response.text


async def test_an_unknown_method_is_invalid_method(emulator: Emulator) -> None:
    response = await post_form(emulator, signed_params("alipay.trade.nonsense", "{}"))
    assert '"sub_code":"isv.invalid-method"' in response.text


async def test_rsa1_is_refused(emulator: Emulator) -> None:
    params = signed_params("alipay.trade.query", "{}")
    params["sign_type"] = "RSA"
    response = await post_form(emulator, params)
    assert '"sub_code":"isv.invalid-signature-type"' in response.text


async def test_get_requests_are_verified_like_posts(emulator: Emulator) -> None:
    params = signed_params("alipay.trade.query", '{"out_trade_no":"nope"}')
    response = await emulator.http.get("/gateway.do", params=params)
    assert '"sub_code":"ACQ.TRADE_NOT_EXIST"' in response.text


async def test_a_gbk_merchant_is_verified_and_answered_in_gbk(emulator: Emulator) -> None:
    await emulator.open_trade("订单-GBK", "0.10")
    query = sdk.request(AlipayTradeQueryRequest, {"out_trade_no": "订单-GBK"})
    content = await asyncio.to_thread(emulator.sdk(charset="gbk").execute, query)
    assert '"out_trade_no":"订单-GBK"' in content
    assert '"trade_status":"WAIT_BUYER_PAY"' in content
