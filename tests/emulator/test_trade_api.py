"""query, close, refund and refund query through the official SDK, behaving as Alipay does."""

from __future__ import annotations

from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradeFastpayRefundQueryRequest import AlipayTradeFastpayRefundQueryRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest

from tests.emulator.conftest import Emulator


def refund_of(amount: str, request_no: str, out_trade_no: str = "PAID-1") -> dict[str, str]:
    return {"out_trade_no": out_trade_no, "refund_amount": amount, "out_request_no": request_no}


async def test_query_of_an_unknown_trade_is_trade_not_exist(emulator: Emulator) -> None:
    answer = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "NEVER-OPENED"})
    assert (answer["code"], answer["msg"], answer["sub_code"]) == ("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST")


async def test_query_of_a_paid_trade_reports_the_buyer_and_amounts(emulator: Emulator) -> None:
    paid = await emulator.paid_trade("PAID-1", "12.3")
    answer = await emulator.execute(AlipayTradeQueryRequest, {"trade_no": paid["trade_no"]})
    assert answer["trade_status"] == "TRADE_SUCCESS"
    assert answer["out_trade_no"] == "PAID-1"
    assert (answer["total_amount"], answer["receipt_amount"]) == ("12.30", "12.30")
    assert answer["buyer_user_id"].startswith("2088")
    assert answer["buyer_logon_id"] == "abc***@example.com"
    assert answer["send_pay_date"] == paid["gmt_payment"]


async def test_close_of_a_waiting_trade_closes_it(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    answer = await emulator.execute(AlipayTradeCloseRequest, {"out_trade_no": "WAIT-1"})
    assert (answer["code"], answer["out_trade_no"]) == ("10000", "WAIT-1")
    queried = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "WAIT-1"})
    assert queried["trade_status"] == "TRADE_CLOSED"


async def test_close_of_a_paid_trade_is_trade_status_error(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1")
    answer = await emulator.execute(AlipayTradeCloseRequest, {"out_trade_no": "PAID-1"})
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.TRADE_STATUS_ERROR")


async def test_close_of_an_unknown_trade_is_trade_not_exist(emulator: Emulator) -> None:
    answer = await emulator.execute(AlipayTradeCloseRequest, {"out_trade_no": "NEVER-OPENED"})
    assert answer["sub_code"] == "ACQ.TRADE_NOT_EXIST"


async def test_a_partial_refund_succeeds_and_its_repeat_moves_no_money(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    first = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.30", "R1"))
    again = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.30", "R1"))
    assert (first["code"], first["fund_change"], first["refund_fee"]) == ("10000", "Y", "0.30")
    assert (again["code"], again["fund_change"], again["refund_fee"]) == ("10000", "N", "0.30")
    assert again["gmt_refund_pay"] == first["gmt_refund_pay"]
    second = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.20", "R2"))
    assert (second["fund_change"], second["refund_fee"]) == ("Y", "0.50")
    queried = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "PAID-1"})
    assert queried["trade_status"] == "TRADE_SUCCESS"


async def test_a_refund_over_what_is_left_is_refund_amt_not_equal_total(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    await emulator.execute(AlipayTradeRefundRequest, refund_of("0.60", "R1"))
    answer = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.41", "R2"))
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")


async def test_a_refund_of_an_unpaid_trade_is_trade_status_error(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    answer = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.10", "R1", "WAIT-1"))
    assert answer["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


async def test_a_refund_of_an_unknown_trade_is_trade_not_exist(emulator: Emulator) -> None:
    answer = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.10", "R1", "NEVER-OPENED"))
    assert answer["sub_code"] == "ACQ.TRADE_NOT_EXIST"


async def test_a_repeated_refund_number_with_another_amount_is_discordant(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    await emulator.execute(AlipayTradeRefundRequest, refund_of("0.30", "R1"))
    answer = await emulator.execute(AlipayTradeRefundRequest, refund_of("0.40", "R1"))
    assert answer["sub_code"] == "ACQ.DISCORDANT_REPEAT_REQUEST"


async def test_a_full_refund_closes_the_trade_as_alipay_does(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    answer = await emulator.execute(AlipayTradeRefundRequest, refund_of("1.00", "R1"))
    assert answer["refund_fee"] == "1.00"
    queried = await emulator.execute(AlipayTradeQueryRequest, {"out_trade_no": "PAID-1"})
    assert queried["trade_status"] == "TRADE_CLOSED"


async def test_refund_query_reports_a_refund_that_happened(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    await emulator.execute(AlipayTradeRefundRequest, refund_of("0.25", "R1"))
    answer = await emulator.execute(AlipayTradeFastpayRefundQueryRequest,
                                    {"out_trade_no": "PAID-1", "out_request_no": "R1"})
    assert answer["code"] == "10000"
    assert (answer["out_request_no"], answer["refund_status"]) == ("R1", "REFUND_SUCCESS")
    assert (answer["refund_amount"], answer["total_amount"]) == ("0.25", "1.00")


async def test_refund_query_of_an_absent_refund_is_a_bare_success(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1", "1.00")
    answer = await emulator.execute(AlipayTradeFastpayRefundQueryRequest,
                                    {"out_trade_no": "PAID-1", "out_request_no": "R-NONE"})
    assert answer == {"code": "10000", "msg": "Success"}
