"""The cashier page's states and links, rendered from payments in each status (no server needed)."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.crypto.cashier_tokens import CashierTokens
from adapters.crypto.master_keys import MasterKey
from domain.checkout import Checkout
from domain.events import Source
from domain.kinds import PaymentType
from domain.payment import Payment
from domain.status import TradeStatus
from entrypoints.cashier_links import CashierLinks
from entrypoints.http.cashier_page import PageInput, render, state_of
from tests.unit.builders import T0, new_payment, payment_in

OLD, NEW = MasterKey("k1", bytes(32)), MasterKey("k2", bytes(range(32)))


def page(payment: Payment, minutes: float = 1, lang: str = "zh", in_wechat: bool = False) -> str:
    """The page `minutes` after creation."""
    now = T0 + timedelta(minutes=minutes)
    return render(payment, PageInput("Shop", "en" if lang == "en" else "zh", in_wechat, now, "/s", "/l"))


def unpaid(**checkout: str) -> Payment:
    return replace(new_payment(), checkout=Checkout(**checkout))  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "state"), [(TradeStatus.TRADE_SUCCESS, "paid"),
                                               (TradeStatus.TRADE_FINISHED, "paid"),
                                               (TradeStatus.REFUNDED, "refunded"),
                                               (TradeStatus.TRADE_CLOSED, "closed")])
def test_each_status_has_its_state_and_only_an_open_payment_offers_a_way_to_pay(status: TradeStatus,
                                                                                 state: str) -> None:
    payment = replace(payment_in(status), checkout=Checkout(pay_url="https://pay.example/x"))
    html = page(payment)
    assert state_of(payment, T0 + timedelta(minutes=1)) == state
    assert f'data-state="{state}"' in html
    assert 'id="pay"' not in html
    assert "前完成支付" not in html  # a paid (or closed) order never says "Pay before"
    assert 'id="countdown"' not in html


def test_an_open_payment_shows_its_button_deadline_and_countdown() -> None:
    html = page(unpaid(pay_url="https://pay.example/x"))
    assert 'data-state="open"' in html
    assert 'href="https://pay.example/x"' in html
    assert "请在 2026-11-24 20:30 (UTC+08:00) 前完成支付" in html
    assert '"remaining_ms": 1740000' in html  # 29 minutes left, counted down by the page from here


def test_past_its_expiry_an_unpaid_payment_is_expired_and_offers_nothing() -> None:
    html = page(unpaid(pay_url="https://pay.example/x"), minutes=31)
    assert 'data-state="expired"' in html
    assert 'id="pay"' not in html


def test_a_payment_closed_at_its_expiry_is_expired_one_closed_before_is_closed() -> None:
    expired = new_payment()
    expired.close(Source.WORKER, T0 + timedelta(minutes=30))
    assert state_of(expired, T0 + timedelta(minutes=31)) == "expired"
    closed = new_payment()
    closed.close(Source.API, T0 + timedelta(minutes=5))
    assert state_of(closed, T0 + timedelta(minutes=31)) == "closed"


def test_an_unpaid_payment_with_nothing_to_pay_with_is_a_provider_error_with_a_retry() -> None:
    html = page(unpaid())
    assert 'data-state="error"' in html
    assert 'id="retry"' in html
    assert "支付通道暂时不可用" in html


def test_a_code_url_is_an_inline_svg_qr_and_an_image_inside_wechat() -> None:
    payment = replace(unpaid(code_url="weixin://wxpay/bizpayurl?pr=abc"), payment_type=PaymentType.WECHAT)
    outside, inside = page(payment), page(payment, in_wechat=True)
    assert re.search(r'<svg[^>]*id="qr"', outside)
    assert "weixin://" not in outside.split("</svg>")[0].split("<svg")[1]  # drawn, not written
    assert '<img class="qr" id="qr" alt="QR" src="data:image/png;base64,' in inside
    assert "长按识别二维码" in inside


def test_english_texts() -> None:
    html = page(unpaid(pay_url="https://pay.example/x"), lang="en")
    assert '<html lang="en">' in html
    assert "Pay with Alipay" in html
    assert "Pay before 2026-11-24 20:30 (UTC+08:00)" in html


def test_a_return_url_that_is_not_http_is_never_followed() -> None:
    payment = replace(payment_in(TradeStatus.TRADE_SUCCESS), return_url="javascript:alert(1)")
    assert "javascript:" not in page(payment)


def test_a_token_opens_only_its_order_and_expiry_and_survives_a_key_rotation() -> None:
    payment = new_payment()
    before = CashierLinks("http://x", CashierTokens([OLD]))
    after = CashierLinks("http://x", CashierTokens([NEW, OLD]))
    token = before.url(payment).split("t=")[1]
    assert len(base64.urlsafe_b64decode(token + "=")) * 8 >= 128
    assert after.admits(payment, token)  # signed under the old key, opened after the rotation
    assert not CashierLinks("http://x", CashierTokens([NEW])).admits(payment, token)  # the old key gone
    assert not before.admits(replace(payment, order_no="T20261124002"), token)
    assert not before.admits(replace(payment, expire_time=payment.expire_time + timedelta(seconds=1)), token)
    assert not before.admits(payment, None)
    assert not before.admits(payment, "")


@pytest.mark.parametrize(("minutes", "polls"), [(29, 900), (-120, 900), (1, 61), (2, 91)])
def test_the_page_stops_polling_a_minute_after_the_expiry_and_after_thirty_minutes_at_most(
        minutes: float, polls: int) -> None:
    """`minutes` before expiry (30 minutes after creation; negative: a payment expiring in 2 hours, just made)."""
    payment = new_payment() if minutes >= 0 else replace(new_payment(), expire_time=T0 + timedelta(hours=2))
    rendered = page(payment, 30 - minutes if minutes >= 0 else 0)
    found = re.search(r'"max_polls": (\d+)', rendered)
    assert found is not None, rendered
    assert int(found.group(1)) == polls
