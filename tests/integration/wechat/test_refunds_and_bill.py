"""Refunds, refund queries and the trade bill through the real SDK, in both key modes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.gateways.wechat import WeChatGateway
from adapters.gateways.wechat.refusals import FINAL_REFUSALS
from application.errors import BillNotReady, ProviderError, ProviderUnavailable
from domain.updates import UpdateKind
from tests.integration.wechat.conftest import CONFIG
from tests.integration.wechat.stub import BILL, StubWeChat
from tests.integration.wechat.wire import NOTIFY_URL, payment, refund

REFUNDS = "POST /v3/refund/domestic/refunds"
REFUND_QUERY = "GET /v3/refund/domestic/refunds/R20261124001"


def refund_answer(status: str, refund_fen: int = 1000, **extra: Any) -> dict[str, Any]:
    """What WeChat answers for a refund or a refund query."""
    answer = {"refund_id": "50300002026112400001", "out_refund_no": "R20261124001",
              "transaction_id": "4200002026112400001", "out_trade_no": "T20261124001", "channel": "ORIGINAL",
              "user_received_account": "支付用户零钱", "create_time": "2026-11-24T20:59:00+08:00", "status": status,
              "amount": {"total": 9990, "refund": refund_fen, "payer_total": 9990, "payer_refund": refund_fen,
                         "currency": "CNY"}}
    return answer | extra


async def test_refund_sends_fen_and_our_refund_no_and_answers_processing(gateway: WeChatGateway,
                                                                          stub: StubWeChat) -> None:
    stub.answers[REFUNDS] = (200, refund_answer("PROCESSING"))

    update = await gateway.refund(payment(), refund(amount="10.00"), CONFIG)

    assert update.kind is UpdateKind.REFUND_PROCESSING
    assert (update.refund_no, update.provider_refund_id) == ("R20261124001", "50300002026112400001")
    assert update.amount is not None
    assert update.amount.fen == 1000
    sent = stub.seen[-1]
    assert sent.auth_ok
    assert sent.body == {"notify_url": NOTIFY_URL, "out_refund_no": "R20261124001",
                         "amount": {"refund": 1000, "total": 9990, "currency": "CNY"},
                         "out_trade_no": "T20261124001", "reason": "customer request"}


async def test_refund_that_succeeds_at_once_answers_succeeded(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[REFUNDS] = (200, refund_answer("SUCCESS", success_time="2026-11-24T21:00:00+08:00"))

    update = await gateway.refund(payment(), refund(), CONFIG)

    assert update.kind is UpdateKind.REFUND_SUCCEEDED
    assert update.occurred_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


async def test_refund_of_ten_fen_is_ten_not_nine(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[REFUNDS] = (200, refund_answer("PROCESSING", refund_fen=10))

    await gateway.refund(payment(total="0.30"), refund(amount="0.10"), CONFIG)

    assert stub.seen[-1].body is not None
    assert stub.seen[-1].body["amount"] == {"refund": 10, "total": 30, "currency": "CNY"}


FINAL = {"NOT_ENOUGH": 403, "INVALID_REQUEST": 400, "PARAM_ERROR": 400, "USER_ACCOUNT_ABNORMAL": 403,
         "NO_AUTH": 403, "RESOURCE_NOT_EXISTS": 404}


@pytest.mark.parametrize("code", sorted(FINAL_REFUSALS))
async def test_a_final_refund_refusal_is_refund_failed_with_wechats_code_and_message(
        gateway: WeChatGateway, stub: StubWeChat, code: str) -> None:
    stub.answers[REFUNDS] = (FINAL[code], {"code": code, "message": "基本账户余额不足，请充值后重新发起"})

    update = await gateway.refund(payment(), refund(), CONFIG)

    assert (update.kind, update.refund_no) == (UpdateKind.REFUND_FAILED, "R20261124001")
    assert (update.failure_code, update.failure_message) == (code, "基本账户余额不足，请充值后重新发起")


@pytest.mark.parametrize(("status", "code", "raised"), [
    (500, "SYSTEM_ERROR", ProviderUnavailable), (503, "SYSTEM_ERROR", ProviderUnavailable),
    (429, "FREQUENCY_LIMITED", ProviderError), (401, "SIGN_ERROR", ProviderError),
    (403, "SOMETHING_NEW", ProviderError),
], ids=["system_error", "unavailable", "frequency_limited", "sign_error", "unknown_code"])
async def test_a_refund_error_that_is_not_a_final_refusal_raises_so_the_refund_stays_processing(
        gateway: WeChatGateway, stub: StubWeChat, status: int, code: str, raised: type[Exception]) -> None:
    stub.answers[REFUNDS] = (status, {"code": code, "message": "请稍后重试"})

    with pytest.raises(raised):
        await gateway.refund(payment(), refund(), CONFIG)


async def test_a_refund_query_answered_resource_not_exists_is_refund_not_found(gateway: WeChatGateway,
                                                                              stub: StubWeChat) -> None:
    stub.answers[REFUND_QUERY] = (404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})

    update = await gateway.query_refund(payment(), refund(), CONFIG)

    assert (update.kind, update.refund_no) == (UpdateKind.REFUND_NOT_FOUND, "R20261124001")


@pytest.mark.parametrize(("status", "kind"), [
    ("SUCCESS", UpdateKind.REFUND_SUCCEEDED), ("PROCESSING", UpdateKind.REFUND_PROCESSING),
    ("ABNORMAL", UpdateKind.REFUND_FAILED), ("CLOSED", UpdateKind.REFUND_FAILED),
])
async def test_refund_query_maps_every_status(gateway: WeChatGateway, stub: StubWeChat, status: str,
                                              kind: UpdateKind) -> None:
    stub.answers[REFUND_QUERY] = (200, refund_answer(status))

    update = await gateway.query_refund(payment(), refund(), CONFIG)

    assert update.kind is kind
    assert update.provider_refund_id == "50300002026112400001"
    assert (stub.seen[-1].path, stub.seen[-1].auth_ok) == ("/v3/refund/domestic/refunds/R20261124001", True)


async def test_refund_query_naming_another_refund_is_a_provider_error(gateway: WeChatGateway,
                                                                      stub: StubWeChat) -> None:
    stub.answers[REFUND_QUERY] = (200, refund_answer("SUCCESS", out_refund_no="R-SOMEONE-ELSE"))

    with pytest.raises(ProviderError, match="out_refund_no"):
        await gateway.query_refund(payment(), refund(), CONFIG)


async def test_bill_is_downloaded_from_the_configured_root_ungzipped_and_hash_checked(
        gateway: WeChatGateway, stub: StubWeChat) -> None:
    bill = await gateway.download_bill(date(2026, 11, 24))

    assert bill == BILL
    assert [s.path for s in stub.seen] == ["/v3/bill/tradebill?bill_date=2026-11-24&bill_type=ALL&tar_type=GZIP",
                                           "/v3/billdownload/file?token=stub0001"]
    assert all(s.auth_ok for s in stub.seen)


async def test_bill_whose_hash_does_not_match_is_refused(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "damaged_bill"

    with pytest.raises(ProviderError, match="hash_value"):
        await gateway.download_bill(date(2026, 11, 24))


async def test_bill_for_a_day_without_one_raises_with_wechats_code(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers["GET /v3/bill/tradebill"] = (400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"})

    with pytest.raises(ProviderError) as raised:
        await gateway.download_bill(date(2026, 11, 24))

    assert raised.value.extra["provider_code"] == "NO_STATEMENT_EXIST"


async def test_the_bill_port_says_a_day_without_a_bill_is_not_ready(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers["GET /v3/bill/tradebill"] = (400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"})

    with pytest.raises(BillNotReady) as raised:
        await gateway.bill(date(2026, 11, 24))

    assert raised.value.extra["provider_code"] == "NO_STATEMENT_EXIST"


async def test_the_bill_port_lets_other_refusals_stand(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers["GET /v3/bill/tradebill"] = (400, {"code": "INVALID_REQUEST", "message": "参数错误"})

    with pytest.raises(ProviderError) as raised:
        await gateway.bill(date(2026, 11, 24))

    assert not isinstance(raised.value, BillNotReady)


async def test_a_refused_bill_download_is_a_provider_error_with_wechats_code(
        gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "download_refused"

    with pytest.raises(ProviderError) as raised:
        await gateway.bill(date(2026, 11, 24))

    assert raised.value.extra["provider_code"] == "NO_AUTH"
