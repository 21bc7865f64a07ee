"""The HTML a payer sees: the scan-to-pay page of a Native order and its outcomes."""

from __future__ import annotations

from html import escape

from emulator import qr
from emulator.wechat import wire
from emulator.wechat.orders import Order

_STYLE = (
    "body{font-family:sans-serif;max-width:30rem;margin:2rem auto;color:#222}"
    "h1{color:#07c160;font-size:1.4rem}dt{color:#666}dd{margin:0 0 .6rem;font-size:1.1rem}"
    "form{display:inline}button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem}"
    ".amount{font-size:1.8rem;font-weight:bold}.qr svg{display:block;margin:1rem 0}code{word-break:break-all}"
)


def document(title: str, body: str) -> str:
    """A complete page."""
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def scan(order: Order) -> str:
    """What the payer's phone shows after scanning (Native: with the QR code) or opening an h5_url (H5)."""
    base = f"/wechat/scan/{escape(order.token)}"
    shown = "" if order.trade_type == "MWEB" else (
        f'<div class="qr" id="qr">{qr.svg(order.code_url)}</div>'
        f'<p>code_url <code id="code_url">{escape(order.code_url)}</code></p>')
    return document(
        "微信支付 WeChat Pay (emulator)",
        f"<h1>微信支付 WeChat Pay (emulator)</h1>{shown}<dl>"
        f'<dt>商品 Description</dt><dd id="description">{escape(order.description)}</dd>'
        f'<dt>金额 Amount</dt><dd class="amount" id="amount">¥{wire.format_amount(order.total)}</dd>'
        f'<dt>商户订单号 Order number</dt><dd id="out_trade_no">{escape(order.out_trade_no)}</dd>'
        f'<dt>状态 State</dt><dd id="trade_state">{escape(order.state.value)}</dd></dl>'
        f'<form method="post" action="{base}/pay"><button id="pay" type="submit">Pay 立即支付</button></form>'
        f'<form method="post" action="{base}/cancel"><button id="cancel" type="submit">Cancel 取消</button></form>',
    )


def message(title: str, text: str, order: Order | None = None) -> str:
    """An outcome page (paid, cancelled, refused …)."""
    detail = ""
    if order is not None:
        detail = (
            f'<p>商户订单号 <span id="out_trade_no">{escape(order.out_trade_no)}</span>, '
            f'trade_state <span id="trade_state">{escape(order.state.value)}</span></p>'
        )
    return document(title, f'<h1 id="title">{escape(title)}</h1><p id="message">{escape(text)}</p>{detail}')
