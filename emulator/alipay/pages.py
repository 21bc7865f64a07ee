"""The HTML the buyer sees: the cashier, its outcomes and Alipay's error page."""

from __future__ import annotations

from html import escape

from emulator import qr as qr_svg
from emulator.alipay import wire
from emulator.alipay.trades import Trade

_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:3rem auto;color:#222}"
    "h1{color:#1677ff;font-size:1.4rem}dt{color:#666}dd{margin:0 0 .6rem;font-size:1.1rem}"
    "form{display:inline}button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem}"
    ".amount{font-size:1.8rem;font-weight:bold}.qr svg{display:block;margin:1rem 0}code{word-break:break-all}"
)


def document(title: str, body: str) -> str:
    """A complete page."""
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def cashier(trade: Trade, qr: str = "") -> str:
    """The cashier: what is being paid, with Pay and Cancel buttons (and the QR code of a pre-created trade)."""
    base = f"/alipay/cashier/{escape(trade.trade_no)}"
    scanned = (f'<div class="qr" id="qr">{qr_svg.svg(qr)}</div><p>qr_code <code id="qr_code">{escape(qr)}</code></p>'
               if qr else "")
    return document(
        "支付宝收银台 Alipay cashier (emulator)",
        f"<h1>支付宝 Alipay (emulator)</h1>{scanned}<dl>"
        f'<dt>商品 Subject</dt><dd id="subject">{escape(trade.subject)}</dd>'
        f'<dt>金额 Amount</dt><dd class="amount" id="amount">¥{wire.format_amount(trade.total_amount)}</dd>'
        f'<dt>订单号 Order number</dt><dd id="out_trade_no">{escape(trade.out_trade_no)}</dd>'
        f'<dt>支付宝交易号 Trade number</dt><dd id="trade_no">{escape(trade.trade_no)}</dd></dl>'
        f'<form method="post" action="{base}/pay"><button id="pay" type="submit">Pay 确认付款</button></form>'
        f'<form method="post" action="{base}/cancel"><button id="cancel" type="submit">Cancel 取消</button></form>',
    )


def message(title: str, text: str, trade: Trade | None = None) -> str:
    """An outcome page (paid, cancelled, closed …)."""
    detail = ""
    if trade is not None:
        detail = (
            f'<p>订单号 <span id="out_trade_no">{escape(trade.out_trade_no)}</span>, '
            f'status <span id="trade_status">{escape(trade.status.value)}</span></p>'
        )
    return document(title, f'<h1 id="title">{escape(title)}</h1><p id="message">{escape(text)}</p>{detail}')


def error(code: str, sub_code: str, sub_msg: str) -> str:
    """Alipay's error page for a page-pay request it refuses."""
    return document(
        "支付宝 - 错误",
        '<h1 id="title">抱歉，页面出错了 Error</h1>'
        f'<p>错误代码 <code id="code">{escape(code)}</code> <code id="sub_code">{escape(sub_code)}</code></p>'
        f'<p id="sub_msg">{escape(sub_msg)}</p>',
    )
