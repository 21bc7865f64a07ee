"""The SDK request objects for each Alipay method, built from paycore's aggregates."""

from __future__ import annotations

from datetime import date
from typing import Any

from alipay.aop.api.domain.AlipayDataDataserviceBillDownloadurlQueryModel import (
    AlipayDataDataserviceBillDownloadurlQueryModel,
)
from alipay.aop.api.domain.AlipayTradeCloseModel import AlipayTradeCloseModel
from alipay.aop.api.domain.AlipayTradeFastpayRefundQueryModel import AlipayTradeFastpayRefundQueryModel
from alipay.aop.api.domain.AlipayTradePagePayModel import AlipayTradePagePayModel
from alipay.aop.api.domain.AlipayTradePrecreateModel import AlipayTradePrecreateModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.domain.AlipayTradeWapPayModel import AlipayTradeWapPayModel
from alipay.aop.api.request.AlipayDataDataserviceBillDownloadurlQueryRequest import (
    AlipayDataDataserviceBillDownloadurlQueryRequest,
)
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradeFastpayRefundQueryRequest import AlipayTradeFastpayRefundQueryRequest
from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest

from adapters.gateways.alipay.credentials import AlipayCredentials
from adapters.gateways.alipay.translate import beijing_text, yuan
from application.errors import UnsupportedPayMethod
from domain.payment import Payment
from domain.refund import Refund

# pay_method → (request class, model class, product code)
PAGE_PAY: dict[str, tuple[Any, Any, str]] = {
    "pc": (AlipayTradePagePayRequest, AlipayTradePagePayModel, "FAST_INSTANT_TRADE_PAY"),
    "wap": (AlipayTradeWapPayRequest, AlipayTradeWapPayModel, "QUICK_WAP_WAY"),
}
PRECREATE = (AlipayTradePrecreateRequest, AlipayTradePrecreateModel, "FACE_TO_FACE_PAYMENT")  # qr, 当面付


def page_pay(payment: Payment, credentials: AlipayCredentials) -> Any:
    """alipay.trade.page.pay (pc) or alipay.trade.wap.pay (wap), expiring when the payment does."""
    if payment.pay_method not in PAGE_PAY:
        raise UnsupportedPayMethod(f"Alipay has no page pay_method {payment.pay_method!r}; use pc or wap",
                                   pay_method=payment.pay_method)
    return _order(payment, credentials, *PAGE_PAY[payment.pay_method])


def precreate(payment: Payment, credentials: AlipayCredentials) -> Any:
    """alipay.trade.precreate (qr): Alipay registers the trade and answers the qr_code the payer scans."""
    request = _order(payment, credentials, *PRECREATE)
    request.return_url = None  # scanned in the Alipay app: no browser to send back
    return request


def _order(payment: Payment, credentials: AlipayCredentials, request_class: Any, model_class: Any,
           product_code: str) -> Any:
    model = model_class()
    model.out_trade_no = payment.order_no
    model.total_amount = yuan(payment.total_amount)
    model.subject = payment.subject
    model.body = payment.body or None
    model.product_code = product_code
    model.time_expire = beijing_text(payment.expire_time)
    request = request_class(biz_model=model)
    request.notify_url = credentials.notify_url or None
    request.return_url = payment.return_url or credentials.return_url or None
    return request


def query(order_no: str) -> Any:
    """alipay.trade.query."""
    model = AlipayTradeQueryModel()
    model.out_trade_no = order_no
    return AlipayTradeQueryRequest(biz_model=model)


def close(order_no: str) -> Any:
    """alipay.trade.close."""
    model = AlipayTradeCloseModel()
    model.out_trade_no = order_no
    return AlipayTradeCloseRequest(biz_model=model)


def refund(payment: Payment, refund: Refund) -> Any:
    """alipay.trade.refund; out_request_no = refund_no makes a retry the same refund, never a second one."""
    model = AlipayTradeRefundModel()
    model.out_trade_no = payment.order_no
    model.out_request_no = refund.refund_no
    model.refund_amount = yuan(refund.amount)
    model.refund_reason = refund.reason or None
    return AlipayTradeRefundRequest(biz_model=model)


def refund_query(payment: Payment, refund: Refund) -> Any:
    """alipay.trade.fastpay.refund.query, asking for the refund time too."""
    model = AlipayTradeFastpayRefundQueryModel()
    model.out_trade_no = payment.order_no
    model.out_request_no = refund.refund_no
    model.query_options = ["gmt_refund_pay"]
    return AlipayTradeFastpayRefundQueryRequest(biz_model=model)


def bill_url(bill_date: date) -> Any:
    """alipay.data.dataservice.bill.downloadurl.query for the day's trade bill."""
    model = AlipayDataDataserviceBillDownloadurlQueryModel()
    model.bill_type = "trade"
    model.bill_date = bill_date.isoformat()
    return AlipayDataDataserviceBillDownloadurlQueryRequest(biz_model=model)
