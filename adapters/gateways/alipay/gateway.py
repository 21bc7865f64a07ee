"""AlipayGateway: the Gateway port over alipay-sdk-python; translates, never decides."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date

from adapters.gateways.alipay import calls
from adapters.gateways.alipay.bill_rows import AlipayBill
from adapters.gateways.alipay.client import AlipayClient
from adapters.gateways.alipay.credentials import AlipayCredentials
from adapters.gateways.alipay.notify import verify_notification_form
from adapters.gateways.alipay.refusals import is_final_refusal, refusal_update
from adapters.gateways.alipay.translate import (
    business_error,
    closed_update,
    is_success,
    refund_query_update,
    refund_update,
    sub_code,
    trade_update,
)
from adapters.gateways.bill_sources import SPOOL_BYTES, bill_not_ready
from application.bills import BillReader
from application.errors import NotificationRejected, ProviderError
from application.ports.providers import Gateway
from application.records import PaymentConfig, RawNotification
from domain.checkout import Checkout
from domain.kinds import PayMethod
from domain.payment import Payment
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
TRADE_STATUS_ERROR = "ACQ.TRADE_STATUS_ERROR"


class AlipayGateway(Gateway):
    """One Alipay app's gateway. The `config` argument of each call is the app's config; the credentials
    it was built from (see `alipay_gateway_from_config`) already carry what the calls need."""

    def __init__(self, credentials: AlipayCredentials, timeout: float = 10.0,
                 on_certificate: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.credentials = credentials
        self._client = AlipayClient(credentials, timeout, on_certificate)

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """pc, wap: a signed page-pay or WAP-pay GET URL (nothing is sent to Alipay until the payer opens it).
        qr: alipay.trade.precreate, whose qr_code the payer scans; a refusal (ACQ.TRADE_HAS_SUCCESS,
        ACQ.CONTEXT_INCONSISTENT, ...) raises ProviderError with Alipay's sub_code, so nothing is stored."""
        if payment.pay_method != PayMethod.QR:
            return Checkout(pay_url=await self._client.page_url(calls.page_pay(payment, self.credentials)))
        answer = await self._client.execute(calls.precreate(payment, self.credentials))
        if not is_success(answer):
            raise business_error("alipay.trade.precreate", answer)
        qr_code = answer.get("qr_code")
        if not isinstance(qr_code, str) or not qr_code:
            raise ProviderError("Alipay's precreate answer has no qr_code", method="alipay.trade.precreate")
        return Checkout(code_url=qr_code)

    async def query(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate | None:
        """alipay.trade.query; None when Alipay has not seen the order (the payer never opened the page)."""
        answer = await self._client.execute(calls.query(payment.order_no))
        if sub_code(answer) == TRADE_NOT_EXIST:
            return None
        if not is_success(answer):
            raise business_error("alipay.trade.query", answer)
        return trade_update(payment.order_no, answer)

    async def close(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate:
        """alipay.trade.close: CLOSED (also for an order Alipay never saw), or the paid state if the buyer won."""
        answer = await self._client.execute(calls.close(payment.order_no))
        if is_success(answer) or sub_code(answer) == TRADE_NOT_EXIST:
            return closed_update(payment.order_no, answer)
        if sub_code(answer) == TRADE_STATUS_ERROR:  # paid, finished or already closed: ask which
            current = await self.query(payment, config)
            if current is not None and current.kind in (UpdateKind.PAID, UpdateKind.FINISHED, UpdateKind.CLOSED):
                return current
        raise business_error("alipay.trade.close", answer)

    async def refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """alipay.trade.refund with out_request_no = refund_no.

        fund_change "Y" is a success. "N" means no money moved on *this* call, which Alipay documents as
        "confirm with the refund query" (a repeat of a refund that already succeeded answers N): so ask.
        A final refusal (refusals.FINAL_REFUSALS: ACQ.TRADE_HAS_FINISHED, ACQ.REFUND_AMT_NOT_EQUAL_TOTAL, ...)
        is REFUND_FAILED with Alipay's code and message; any other error (ACQ.SYSTEM_ERROR, an unknown code,
        a timeout, HTTP 5xx) raises, and the refund stays PROCESSING for the refund query to settle.
        """
        answer = await self._client.execute(calls.refund(payment, refund))
        if is_final_refusal(answer):
            return refusal_update(refund, answer)
        if not is_success(answer):
            raise business_error("alipay.trade.refund", answer)
        if answer.get("fund_change") == "Y":
            return refund_update(refund, answer)
        current = await self.query_refund(payment, refund, config)
        if current.kind is UpdateKind.REFUND_NOT_FOUND:  # Alipay took this call: it is on its way
            return replace(current, kind=UpdateKind.REFUND_PROCESSING)
        return current

    async def query_refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """alipay.trade.fastpay.refund.query: REFUND_SUCCEEDED on REFUND_SUCCESS, REFUND_NOT_FOUND when the answer
        names no refund (Alipay: "not refunded; retry the refund with the same out_request_no"), else PROCESSING."""
        answer = await self._client.execute(calls.refund_query(payment, refund))
        if not is_success(answer):
            raise business_error("alipay.trade.fastpay.refund.query", answer)
        return refund_query_update(refund, answer)

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """Verify the form Alipay POSTed (RSA2, app id, seller id, fields) and translate it.

        In certificate mode, a form naming a certificate the config does not know yet (Alipay rotated it) makes the
        client download it (bounded, and trusted only through the root certificate) and verify again."""
        try:
            return verify_notification_form(raw.form, replace(self.credentials, certificates=self._client.mode))
        except NotificationRejected as e:
            if e.reason != "unknown_certificate" or not await self._client.learn_named(raw.form["alipay_cert_sn"]):
                raise
        return verify_notification_form(raw.form, replace(self.credentials, certificates=self._client.mode))

    async def download_bill(self, bill_date: date) -> bytes:
        """The day's trade bill as Alipay serves it: the raw ZIP of CSV files."""
        return await self._client.download(await self._bill_url(bill_date))

    async def bill(self, bill_date: date) -> BillReader:
        """The day's bill as rows streamed from the ZIP's detail file. The download goes to a temporary file
        (in memory up to SPOOL_BYTES, then on disk: a ZIP is read from its directory at its end), never held
        whole; BillNotReady while Alipay has none (isp.bill_not_exist)."""
        try:
            url = await self._bill_url(bill_date)
        except ProviderError as e:
            late = bill_not_ready(e, "alipay", bill_date, "sub_code", "isp.bill_not_exist")
            if late is None:
                raise
            raise late from e
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the bill closes it
        try:
            await self._client.download_into(url, spool)
            spool.seek(0)
            return AlipayBill(spool, owns_file=True)
        except BaseException:
            spool.close()
            raise

    async def _bill_url(self, bill_date: date) -> str:
        answer = await self._client.execute(calls.bill_url(bill_date))
        if not is_success(answer):
            raise business_error("alipay.data.dataservice.bill.downloadurl.query", answer)
        url = answer.get("bill_download_url")
        if not isinstance(url, str) or not url:
            raise ProviderError("Alipay's bill answer has no bill_download_url")
        return url

    def close_connections(self) -> None:
        """Release pooled HTTP connections (the gateway is unusable afterwards)."""
        self._client.close()

    def __repr__(self) -> str:
        return f"AlipayGateway({self.credentials!r})"
