"""The payer's choice of method on the cashier page: which of the payment's `pay_methods` suit the device, and the
form that starts an attempt at the chosen provider (POST …/choose, then back to the page)."""

from __future__ import annotations

import re
from html import escape

from domain.attempts import AttemptStatus
from domain.payment import Payment
from entrypoints.http.cashier_text import TEXT, Lang, say

PHONE = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS", re.IGNORECASE)

# What each kind of device can pay with (issue 15): a desktop scans a QR with its phone or opens a page; a phone
# browser goes to the provider's mobile page; inside WeChat, JSAPI for a payer known by openid, else a QR to
# long-press.
DESKTOP = ("alipay:pc", "alipay:qr", "wechat:native")
PHONE_BROWSER = ("alipay:wap", "wechat:h5")
IN_WECHAT = ("wechat:jsapi", "wechat:native")
PLACED = frozenset(DESKTOP + PHONE_BROWSER + IN_WECHAT)  # a method of a provider added later suits every device


def device_of(user_agent: str) -> str:
    """"wechat", "phone" or "desktop"."""
    if "MicroMessenger" in user_agent:
        return "wechat"
    return "phone" if PHONE.search(user_agent) else "desktop"


def choices_for(payment: Payment, device: str) -> list[str]:
    """The payment's methods that suit the device, in the order the business listed them (all of them when none
    suits, rather than none); a method this page has no rule for suits every device."""
    suits = {"desktop": DESKTOP, "phone": PHONE_BROWSER, "wechat": IN_WECHAT}[device]
    offered = [m for m in payment.pay_methods if m in suits or m not in PLACED]
    if device == "wechat" and "wechat:jsapi" in offered and payment.openid:
        offered = ["wechat:jsapi"]
    elif device == "wechat":
        offered = [m for m in offered if m != "wechat:jsapi"]
    return offered or list(payment.pay_methods)


def chosen_open(payment: Payment) -> bool:
    """Whether the payer's current choice is still open at its provider (so its QR or link is shown)."""
    current = payment.current_attempt
    return current is not None and current.status is AttemptStatus.OPEN


def method_label(lang: Lang, method: str) -> str:
    """The button's text for a method: its own words, or "provider · method" for one this page has none for."""
    key = "m_" + method.replace(":", "_")
    return say(lang, key) if key in TEXT else method.replace(":", " · ")


def choices_html(payment: Payment, device: str, lang: Lang, choose_url: str) -> str:
    """The form of buttons, one per method to choose (the current open choice is marked)."""
    current = payment.current_attempt if chosen_open(payment) else None
    buttons = []
    for method in choices_for(payment, device):
        mark = ' aria-current="true"' if current is not None and current.method == method else ""
        label = escape(method_label(lang, method))
        buttons.append(f'<button class="choice" type="submit" name="method" value="{escape(method)}"{mark}>'
                       f"{label}</button>")
    title = say(lang, "other_ways" if current is not None else "choose")
    return (f'<form class="choices" id="choices" method="post" action="{escape(choose_url)}">'
            f'<p class="small">{escape(title)}</p>{"".join(buttons)}</form>')
