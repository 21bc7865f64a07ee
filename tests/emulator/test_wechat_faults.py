"""Armed faults: the next n v3 API calls fail in the ways the service's WeChat adapter must survive."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.emulator.wechat_env import WeChatEnv, call


async def arm(wechat: WeChatEnv, mode: str, count: int = 1, seconds: float = 3.0) -> None:
    body = {"mode": mode, "count": count, "seconds": seconds}
    response = await wechat.http.post("/_control/wechat/faults", json=body)
    assert response.json() == {"mode": mode, "remaining": count, "seconds": seconds}


async def test_http_500_fails_the_next_calls_then_the_api_recovers(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    await arm(wechat, "http_500", count=2)
    for _ in range(2):
        code, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
        assert (code, json.loads(text)["code"]) == (500, "SYSTEM_ERROR")
    code, _ = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert code == 200


async def test_garbage_is_an_unsigned_200_the_sdk_refuses(wechat: WeChatEnv) -> None:
    await arm(wechat, "garbage")
    with pytest.raises(Exception, match="does not support this algorithm"):
        await call(wechat.sdk().query, out_trade_no="ORDER-0001")


async def test_tampered_is_a_signed_answer_whose_signature_fails(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    await arm(wechat, "tampered")
    with pytest.raises(Exception, match="failed to verify the signature"):
        await call(wechat.sdk().query, out_trade_no="ORDER-0001")


async def test_slow_answers_after_the_configured_delay(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    await arm(wechat, "slow", seconds=0.3)
    started = time.monotonic()
    code, _ = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert time.monotonic() - started >= 0.3
    assert code == 200


async def test_slow_beyond_the_sdk_timeout_is_a_read_timeout(wechat: WeChatEnv) -> None:
    await arm(wechat, "slow", seconds=1.0)
    sdk = wechat.sdk()
    sdk._core._timeout = (5, 0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        await call(sdk.query, out_trade_no="ORDER-0001")


async def test_the_control_api_and_the_scan_page_do_not_consume_a_fault(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    await arm(wechat, "http_500")
    view = (await wechat.http.get("/_control/wechat/transactions/ORDER-0001")).json()
    assert (await wechat.http.get(view["scan_url"])).status_code == 200
    code, _ = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert code == 500


async def test_mode_none_disarms(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    await arm(wechat, "garbage", count=5)
    await arm(wechat, "none", count=0)
    code, _ = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert code == 200
