"""The cashier page's HTML: every state a payer can meet, the ways to pay, and the script that keeps it current.

A payment fixed to one method shows its one way to pay; one whose payer chooses shows the methods that suit the
device (cashier_choices) and, once chosen, the chosen one's way to pay beside the others. Every value is escaped;
nothing internal (config ids, keys) is written into the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape

import segno

from domain.payment import Payment
from domain.status import TradeStatus
from entrypoints.beijing_time import beijing
from entrypoints.http.cashier_assets import CSS, PAGE, SCRIPT
from entrypoints.http.cashier_choices import choices_html, chosen_open
from entrypoints.http.cashier_text import TEXT, Lang, say

STATES = ("open", "paid", "expired", "closed", "refunded", "error")
POLL_MS = 2000
REDIRECT_S = 3
POLL_AFTER_EXPIRY_MS = 60_000  # a payment made in the last second still turns the page paid
MAX_POLLS = 900  # 30 minutes at POLL_MS, whatever the expiry: the page stops asking, and says so


def state_of(payment: Payment, now: datetime) -> str:
    """What the payer is shown: one of STATES."""
    status = payment.status
    if status is TradeStatus.REFUNDED:
        return "refunded"
    if status.is_paid:
        return "paid"
    if status is TradeStatus.TRADE_CLOSED:
        closed_at = payment.update_time or now
        return "expired" if closed_at >= payment.expire_time else "closed"
    if now >= payment.expire_time:
        return "expired"
    return "open" if payment.pay_methods or ways_to_pay(payment, in_wechat=False) else "error"


@dataclass(frozen=True, slots=True)
class Way:
    """One way to pay: a QR code to scan (or long-press) or a button to follow."""

    kind: str  # "qr", "link", "jsapi" (WeChat's bridge, inside WeChat) or "note"
    label: str  # a TEXT key
    target: str = ""


def ways_to_pay(payment: Payment, in_wechat: bool) -> list[Way]:
    """The ways to pay this payment on this device (a payer's choice: only while it is open at its provider)."""
    if payment.pay_methods and not chosen_open(payment):
        return []
    checkout = payment.checkout
    if checkout.code_url:
        if in_wechat and payment.payment_type == "wechat":
            return [Way("qr", "long_press", checkout.code_url)]
        return [Way("qr", _provider_text("scan", payment), checkout.code_url)]
    if checkout.pay_url:
        if in_wechat and payment.payment_type == "alipay":
            return [Way("note", "open_in_browser")]
        return [Way("link", _provider_text("pay", payment), checkout.pay_url)]
    if checkout.pay_params:
        if in_wechat:  # WeChat's own bridge takes the signed parameters
            return [Way("jsapi", "pay_wechat", json.dumps(dict(checkout.pay_params)))]
        return [Way("note", "jsapi")]
    return []


def _provider_text(what: str, payment: Payment) -> str:
    """The text naming the payment's provider ("pay_alipay"), else the one naming none ("pay")."""
    key = f"{what}_{payment.payment_type}"
    return key if key in TEXT else what


def _way_html(way: Way, lang: Lang, in_wechat: bool) -> str:
    label = escape(say(lang, way.label))
    if way.kind == "link":
        return f'<a class="pay" id="pay" href="{escape(way.target)}" rel="noreferrer">{label}</a>'
    if way.kind == "jsapi":
        return f'<button class="pay" id="pay" type="button" data-jsapi="{escape(way.target)}">{label}</button>'
    if way.kind == "note":
        return f'<p class="note">{label}</p>'
    qr = segno.make(way.target, error="m")
    if in_wechat:  # WeChat's long-press recognises a QR in an image, not in inline SVG
        picture = f'<img class="qr" id="qr" alt="QR" src="{qr.png_data_uri(scale=8, border=4)}">'
    else:
        picture = qr.svg_inline(scale=8, border=4, omitsize=True, light="#fff", svgclass="qr", svgid="qr",
                                title=say(lang, way.label))
    return f'<figure class="code">{picture}<figcaption>{label}</figcaption></figure>'


@dataclass(frozen=True, slots=True)
class PageInput:
    """Everything render needs besides the payment."""

    merchant: str
    lang: Lang
    in_wechat: bool
    now: datetime
    status_url: str
    switch_url: str
    device: str = "desktop"  # "desktop", "phone" or "wechat" (cashier_choices.device_of)
    choose_url: str = ""  # where the payer's choice is posted
    failed: bool = False  # the chosen provider could not start the payment: the error state, with a retry


def _return_url(payment: Payment) -> str:
    url = payment.return_url or ""
    return url if url.startswith(("https://", "http://")) else ""


def _message(state: str, lang: Lang, return_url: str) -> str:
    back = (f'<a class="secondary" href="{escape(return_url)}">{escape(say(lang, "back"))}</a>'
            if return_url else "")
    blocks = []
    for name in STATES[1:]:
        extra = back
        if name == "paid" and return_url:
            extra = (f'<p class="small" id="returning" hidden>{escape(say(lang, "returning", n="__N__"))}</p>'
                     .replace("__N__", f'<span id="redirect-s">{REDIRECT_S}</span>') + back)
        elif name == "error":
            extra = f'<a class="pay" id="retry" href="">{escape(say(lang, "retry"))}</a>'
        mark = {"paid": "✓", "error": "!"}.get(name, "×" if name in ("closed", "expired") else "↺")
        blocks.append(f'<section class="msg only-{name}" id="{name}"><div class="mark {name}">{mark}</div>'
                      f'<h2>{escape(say(lang, name + "_title"))}</h2><p>{escape(say(lang, name + "_body"))}</p>'
                      f"{extra}</section>")
    return "".join(blocks)


def render(payment: Payment, page: PageInput) -> str:
    """The whole page, in the payer's language, showing the payment's current state."""
    lang, state = page.lang, state_of(payment, page.now)
    state = "error" if page.failed and state == "open" else state
    return_url = _return_url(payment)
    action = ""
    if state == "open":
        ways = "".join(_way_html(w, lang, page.in_wechat) for w in ways_to_pay(payment, page.in_wechat))
        if payment.pay_methods:
            ways += choices_html(payment, page.device, lang, page.choose_url)
        action = (f'<section class="only-open action" id="action"><p class="deadline">'
                  f'{escape(say(lang, "time_left"))} <strong id="countdown">--:--</strong></p>'
                  f'<p class="small">{escape(say(lang, "pay_before", time=beijing(payment.expire_time)))}</p>'
                  f"{ways}</section>")
    remaining_ms = max(0, int((payment.expire_time - page.now).total_seconds() * 1000))
    data = {"state": state, "status_url": page.status_url, "remaining_ms": remaining_ms, "return_url": return_url,
            "poll_ms": POLL_MS, "redirect_s": REDIRECT_S,
            "max_polls": min(MAX_POLLS, (remaining_ms + POLL_AFTER_EXPIRY_MS) // POLL_MS + 1)}
    script_data = json.dumps(data).replace("<", "\\u003c")
    merchant = escape(page.merchant)
    return PAGE.format(
        lang="en" if lang == "en" else "zh-CN", state=state, css=CSS, script=SCRIPT, data=script_data,
        title=escape(f"{page.merchant or 'paycore'} · {say(lang, 'title')}"),
        merchant=merchant, merchant_label=escape(say(lang, "merchant")),
        subject=escape(payment.subject), subject_label=escape(say(lang, "subject")),
        amount=escape(str(payment.total_amount)), amount_label=escape(say(lang, "amount")),
        order_no=escape(payment.order_no), order_label=escape(say(lang, "order_no")),
        switch=escape(say(lang, "switch")), switch_url=escape(page.switch_url),
        action=action, messages=_message(state, lang, return_url),
        offline=escape(say(lang, "offline")), stale=escape(say(lang, "stale")),
    )


def not_found_page(lang: Lang) -> str:
    """The one 404 page: no token, a wrong token and an unknown order look the same."""
    return (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1"><title>paycore</title>'
            f"<style>{CSS}</style></head><body><main class=\"card\"><section class=\"msg\"><div class=\"mark\">?</div>"
            f"<p>{escape(say(lang, 'not_found'))}</p></section></main></body></html>")

