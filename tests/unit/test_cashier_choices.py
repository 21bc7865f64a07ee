"""Which methods the cashier page offers a device, and what their buttons say, for today's providers and for
one added later (whose methods this page has no rule or words for)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.payment import Payment
from entrypoints.http.cashier_choices import choices_for, choices_html, device_of
from tests.unit.builders import new_payment

METHODS = ("alipay:pc", "alipay:qr", "alipay:wap", "wechat:native", "wechat:h5", "wechat:jsapi", "toy:qr")


def choosing(*methods: str, openid: str | None = None) -> Payment:
    return replace(new_payment(), payment_type=None, pay_method=None, pay_methods=methods, openid=openid)


@pytest.mark.parametrize(("agent", "device"), [
    ("Mozilla/5.0 (X11; Linux x86_64) Chrome/120", "desktop"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "phone"),
    ("Mozilla/5.0 (Linux; Android 14) Mobile MicroMessenger/8.0.47", "wechat"),
])
def test_the_device_comes_from_the_user_agent(agent: str, device: str) -> None:
    assert device_of(agent) == device


@pytest.mark.parametrize(("device", "openid", "offered"), [
    ("desktop", None, ["alipay:pc", "alipay:qr", "wechat:native", "toy:qr"]),
    ("phone", None, ["alipay:wap", "wechat:h5", "toy:qr"]),
    ("wechat", None, ["wechat:native", "toy:qr"]),
    ("wechat", "o-payer", ["wechat:jsapi"]),
])
def test_each_device_gets_its_methods_and_a_later_providers_methods_on_every_device(
        device: str, openid: str | None, offered: list[str]) -> None:
    assert choices_for(choosing(*METHODS, openid=openid), device) == offered


def test_when_no_method_suits_the_device_all_are_offered_rather_than_none() -> None:
    assert choices_for(choosing("alipay:wap", "wechat:h5"), "desktop") == ["alipay:wap", "wechat:h5"]


def test_a_method_without_words_of_its_own_is_labelled_by_provider_and_method() -> None:
    page = choices_html(choosing("alipay:qr", "toy:qr"), "desktop", "en", "/pay/T1/choose?t=x")
    assert ">Alipay QR code</button>" in page
    assert 'value="toy:qr">toy · qr</button>' in page
    assert "支付宝扫码支付" in choices_html(choosing("alipay:qr"), "desktop", "zh", "/c")
