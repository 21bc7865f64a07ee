"""Transformers: Alipay's statuses, Beijing times and two-decimal amounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.gateways.alipay.translate import (
    beijing_text,
    business_error,
    from_beijing,
    refund_query_update,
    refund_update,
    trade_update,
    yuan,
)
from application.errors import ProviderError
from domain.money import Money
from domain.updates import UpdateKind
from tests.integration.alipay.wire import refund

QUERY = {"code": "10000", "msg": "Success", "out_trade_no": "T1", "trade_no": "2026112422001",
         "total_amount": "99.90", "receipt_amount": "88.80", "buyer_user_id": "2088102177846880",
         "buyer_logon_id": "159****5620", "send_pay_date": "2026-11-25 01:02:03"}


@pytest.mark.parametrize(("status", "kind"), [("WAIT_BUYER_PAY", UpdateKind.WAITING),
                                              ("TRADE_SUCCESS", UpdateKind.PAID),
                                              ("TRADE_FINISHED", UpdateKind.FINISHED),
                                              ("TRADE_CLOSED", UpdateKind.CLOSED)])
def test_every_trade_status_of_a_query_translates(status: str, kind: UpdateKind) -> None:
    assert trade_update("T1", QUERY | {"trade_status": status}).kind is kind


def test_a_query_answer_carries_amounts_ids_and_the_utc_payment_time() -> None:
    update = trade_update("T1", QUERY | {"trade_status": "TRADE_SUCCESS"})
    assert (update.amount, update.receipt_amount) == (Money(9990), Money(8880))
    assert (update.trade_no, update.buyer_id, update.buyer_account) == ("2026112422001", "2088102177846880",
                                                                        "159****5620")
    assert update.occurred_at == datetime(2026, 11, 24, 17, 2, 3, tzinfo=UTC)


def test_an_unknown_trade_status_is_a_provider_error() -> None:
    with pytest.raises(ProviderError):
        trade_update("T1", QUERY | {"trade_status": "TRADE_PENDING"})


def test_a_garbled_amount_in_an_answer_is_a_provider_error() -> None:
    with pytest.raises(ProviderError):
        trade_update("T1", QUERY | {"trade_status": "TRADE_SUCCESS", "total_amount": "9.999"})


@pytest.mark.parametrize(("fen", "text"), [(10, "0.10"), (1, "0.01"), (100, "1.00"), (9990, "99.90"),
                                           (10000000000, "100000000.00")])
def test_amounts_go_out_with_exactly_two_decimals(fen: int, text: str) -> None:
    assert yuan(Money(fen)) == text


def test_beijing_text_is_utc_plus_eight_whatever_zone_the_time_is_in() -> None:
    assert beijing_text(datetime(2026, 11, 24, 16, 30, tzinfo=UTC)) == "2026-11-25 00:30:00"
    new_york = timezone(timedelta(hours=-5))
    assert beijing_text(datetime(2026, 11, 24, 11, 30, tzinfo=new_york)) == "2026-11-25 00:30:00"
    assert beijing_text(datetime(2026, 11, 24, 16, 30)) == "2026-11-25 00:30:00"  # noqa: DTZ001 - naive is UTC


def test_from_beijing_gives_aware_utc() -> None:
    moment = from_beijing("2026-01-01 07:59:59")
    assert moment == datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_a_refund_with_fund_change_succeeds_with_its_own_amount_not_the_cumulative_refund_fee() -> None:
    answer = {"code": "10000", "fund_change": "Y", "refund_fee": "30.00", "gmt_refund_pay": "2026-11-24 21:00:00",
              "trade_no": "2026112422001"}
    update = refund_update(refund("T1", "R2", "10.00"), answer)
    assert update.kind is UpdateKind.REFUND_SUCCEEDED
    assert (update.refund_no, update.amount) == ("R2", Money(1000))
    assert update.occurred_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_a_refund_query_settles_only_on_refund_success_and_one_naming_no_refund_is_not_found() -> None:
    done = {"code": "10000", "refund_status": "REFUND_SUCCESS", "refund_amount": "10.00",
            "gmt_refund_pay": "2026-11-24 21:00:00"}
    assert refund_query_update(refund("T1", "R1", "10.00"), done).kind is UpdateKind.REFUND_SUCCEEDED
    unknown = {"code": "10000", "msg": "Success"}  # Alipay: not refunded; retry with the same out_request_no
    assert refund_query_update(refund("T1", "R1", "10.00"), unknown).kind is UpdateKind.REFUND_NOT_FOUND
    pending = {"code": "10000", "out_request_no": "R1", "refund_amount": "10.00", "refund_status": "PROCESSING"}
    assert refund_query_update(refund("T1", "R1", "10.00"), pending).kind is UpdateKind.REFUND_PROCESSING


def test_a_business_error_keeps_alipays_codes_in_extra() -> None:
    error = business_error("alipay.trade.refund", {"code": "40004", "msg": "Business Failed",
                                                   "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                                                   "sub_msg": "退款金额超限"})
    assert error.extra["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert error.extra["code"] == "40004"
    assert error.code == "PROVIDER_ERROR"
