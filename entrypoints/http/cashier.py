"""The cashier page a payer opens: the order, how to pay it, and its status as it changes."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from application.errors import PaymentNotFound
from application.queries import PaymentQueries
from domain.payment import Payment
from domain.status import TradeStatus
from entrypoints.beijing_time import beijing

OrderNoPath = Annotated[str, Parameter(max_length=64)]

_STATUS_TEXT = {
    TradeStatus.WAIT_BUYER_PAY: ("Waiting for payment", "等待付款"),
    TradeStatus.TRADE_SUCCESS: ("Paid", "支付成功"),
    TradeStatus.TRADE_FINISHED: ("Paid", "支付成功"),
    TradeStatus.TRADE_CLOSED: ("Closed", "已关闭"),
    TradeStatus.REFUNDED: ("Refunded", "已退款"),
}

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>paycore · {order_no}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}}
.amount{{font-size:2.2rem;font-weight:600}} .status{{padding:.3rem .6rem;border-radius:.4rem;background:#eef}}
a.pay{{display:inline-block;margin-top:1rem;padding:.7rem 1.4rem;background:#1677ff;color:#fff;border-radius:.4rem;
text-decoration:none}} code{{word-break:break-all}}</style></head>
<body><h1>{subject}</h1><p class="amount">¥ {amount}</p>
<p>订单号 Order: <code>{order_no}</code></p>
<p>状态 Status: <span class="status" id="status" data-status="{status}">{status_zh} · {status_en}</span></p>
<p>请在 {expire_time} 前完成支付 · Pay before {expire_time}</p>
{action}
<script>
const el = document.getElementById("status");
async function poll() {{
  if (el.dataset.status !== "WAIT_BUYER_PAY") return;
  try {{
    const r = await fetch("{status_url}", {{cache: "no-store"}});
    if (r.ok) {{ const s = await r.json(); if (s.trade_status !== el.dataset.status) location.reload(); }}
  }} catch (e) {{}}
  setTimeout(poll, 3000);
}}
setTimeout(poll, 3000);
</script></body></html>"""


def _action(payment: Payment) -> str:
    if payment.status is not TradeStatus.WAIT_BUYER_PAY:
        return ""
    checkout = payment.checkout
    zh, en = ("微信", "WeChat") if payment.payment_type == "wechat" else ("支付宝", "Alipay")  # h5 / qr name theirs
    if checkout.pay_url:
        return f'<a class="pay" id="pay" href="{escape(checkout.pay_url)}">去{zh}付款 · Pay with {en}</a>'
    if checkout.code_url:
        return (f'<p>用{zh}扫码付款 · Scan with {en}:</p><p><code id="code-url">{escape(checkout.code_url)}'
                "</code></p>")
    if checkout.pay_params:
        return "<p>请在微信内完成支付 · Complete the payment inside WeChat.</p>"
    return ""


def render(payment: Payment) -> str:
    """The cashier HTML for a payment; every value escaped."""
    english, chinese = _STATUS_TEXT[payment.status]
    return _PAGE.format(
        order_no=escape(payment.order_no), subject=escape(payment.subject), amount=escape(str(payment.total_amount)),
        status=payment.status.value, status_en=english, status_zh=chinese,
        expire_time=beijing(payment.expire_time), action=_action(payment),
        status_url=f"/pay/{escape(payment.order_no)}/status",
    )


@get("/pay/{order_no:str}", tags=["cashier"], media_type="text/html")
async def cashier(request: Request[Any, Any, Any], order_no: OrderNoPath,
                  queries: NamedDependency[PaymentQueries]) -> Response[str]:
    """The payer's page: no key needed, nothing shown beyond what the payer needs."""
    try:
        payment = await queries.get(order_no)
    except PaymentNotFound:
        return Response("<!doctype html><title>paycore</title><p>订单不存在 · No such order.</p>",
                        media_type="text/html", status_code=404)
    return Response(render(payment), media_type="text/html")


@get("/pay/{order_no:str}/status", tags=["cashier"])
async def cashier_status(order_no: OrderNoPath, queries: NamedDependency[PaymentQueries]) -> dict[str, str]:
    """The payment's status only, for the cashier page to poll."""
    return {"trade_status": (await queries.get(order_no)).status.value}
