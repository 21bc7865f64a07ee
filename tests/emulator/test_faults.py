"""Armed faults: the next n gateway calls fail in the way the service's adapter must survive."""

from __future__ import annotations

import time

import pytest
from alipay.aop.api.exception.Exception import ResponseException
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest

from tests.emulator.conftest import Emulator

QUERY = {"out_trade_no": "WAIT-1"}


async def arm(emulator: Emulator, mode: str, count: int = 1, seconds: float = 3.0) -> None:
    response = await emulator.http.post("/_control/alipay/faults",
                                        json={"mode": mode, "count": count, "seconds": seconds})
    assert response.json() == {"mode": mode, "remaining": count, "seconds": seconds}


async def test_http_500_fails_the_next_calls_then_the_gateway_recovers(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    await arm(emulator, "http_500", count=2)
    for _ in range(2):
        with pytest.raises(ResponseException, match="invalid http status 500"):
            await emulator.execute(AlipayTradeQueryRequest, QUERY)
    assert (await emulator.execute(AlipayTradeQueryRequest, QUERY))["code"] == "10000"


async def test_garbage_is_a_200_that_is_not_json(emulator: Emulator) -> None:
    await arm(emulator, "garbage")
    with pytest.raises(ResponseException, match="response shape maybe illegal"):
        await emulator.execute(AlipayTradeQueryRequest, QUERY)


async def test_tampered_is_valid_json_whose_signature_fails(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    await arm(emulator, "tampered")
    with pytest.raises(ResponseException, match="sign verify failed"):
        await emulator.execute(AlipayTradeQueryRequest, QUERY)


async def test_slow_answers_after_the_configured_delay(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    await arm(emulator, "slow", seconds=0.3)
    started = time.monotonic()
    answer = await emulator.execute(AlipayTradeQueryRequest, QUERY)
    assert time.monotonic() - started >= 0.3
    assert answer["code"] == "10000"


async def test_opening_a_cashier_does_not_consume_a_fault(emulator: Emulator) -> None:
    await arm(emulator, "http_500")
    page = await emulator.open_trade("WAIT-1")
    assert page.status_code == 200
    with pytest.raises(ResponseException):
        await emulator.execute(AlipayTradeQueryRequest, QUERY)


async def test_mode_none_disarms(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    await arm(emulator, "garbage", count=5)
    await arm(emulator, "none", count=0)
    assert (await emulator.execute(AlipayTradeQueryRequest, QUERY))["code"] == "10000"
