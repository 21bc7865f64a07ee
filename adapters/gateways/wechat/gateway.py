"""WeChatGateway: the Gateway port over wechatpayv3; translates, never decides."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from adapters.gateways.bill_sources import SPOOL_BYTES, bill_not_ready
from adapters.gateways.wechat import orders
from adapters.gateways.wechat.bill import checked_bill, download_path, expected_sha1, uncompressed_lines
from adapters.gateways.wechat.bill_rows import WeChatBill
from adapters.gateways.wechat.callbacks import CallbackVerifier, Notice
from adapters.gateways.wechat.client import Keep, WeChatClient
from adapters.gateways.wechat.credentials import WeChatCredentials
from adapters.gateways.wechat.jsapi import pay_params
from adapters.gateways.wechat.keys import TrustedKeys, private_key
from adapters.gateways.wechat.refusals import NOT_FOUND, not_found, refusal_of
from adapters.gateways.wechat.sdk import utc_now
from adapters.gateways.wechat.translate import (
    PAID_EVENT,
    REFUND_EVENTS,
    WireError,
    answer_of,
    paid_notice,
    refund_notice,
    refund_update,
    text,
    trade_update,
)
from application.bills import BillReader
from application.errors import NotificationRejected, ProviderError
from application.ports.providers import Gateway
from application.records import PaymentConfig, RawNotification
from domain.checkout import Checkout
from domain.payment import Payment
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

ORDER_NOT_EXIST = "ORDER_NOT_EXIST"
ORDER_PAID = "ORDERPAID"


class WeChatGateway(Gateway):
    """One WeChat Pay merchant and app. The `config` argument of each call is that app's config; the
    credentials it was built from (see `wechat_gateway_from_config`) already carry what calls need."""

    def __init__(self, credentials: WeChatCredentials, timeout: float = 10.0,
                 now: Callable[[], datetime] = utc_now, on_certificates: Keep | None = None) -> None:
        self.credentials = credentials
        keys = TrustedKeys.of(credentials)  # answers and callbacks trust the same keys, learned ones included
        self._client = WeChatClient(credentials, timeout, keys, now, on_certificates)
        self._callbacks = CallbackVerifier(credentials, now, keys)
        self._merchant_key = private_key(credentials.private_key_pem)
        self._now = now

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """Native: the QR code's code_url. H5: the h5_url a phone browser opens (as pay_url). JSAPI: a prepay_id,
        handed back as signed pay_params."""
        arguments = orders.pay_arguments(payment, self.credentials)
        answer = await self._client.json("the order", lambda sdk: sdk.pay(**arguments)) or {}
        with answer_of("the order"):
            if payment.pay_method == "native":
                return Checkout(code_url=text(answer, "code_url"))
            if payment.pay_method == "h5":
                return Checkout(pay_url=text(answer, "h5_url"))
            prepay_id = text(answer, "prepay_id")
        return Checkout(pay_params=pay_params(self.credentials.appid, prepay_id, self._merchant_key, self._now()))

    async def query(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate | None:
        """The order by out_trade_no; None when WeChat does not know it (ORDER_NOT_EXIST)."""
        order_no = payment.order_no
        try:
            answer = await self._client.json("the order query", lambda sdk: sdk.query(out_trade_no=order_no))
        except ProviderError as e:
            if e.extra.get("provider_code") == ORDER_NOT_EXIST:
                return None
            raise
        with answer_of("the order query"):
            return trade_update(order_no, answer or {})

    async def close(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate:
        """Close (WeChat answers 204): CLOSED, or the paid state when the buyer paid first (ORDERPAID)."""
        order_no = payment.order_no
        try:
            await self._client.json("the close", lambda sdk: sdk.close(out_trade_no=order_no))
        except ProviderError as e:
            code = e.extra.get("provider_code")
            if code == ORDER_NOT_EXIST:  # never seen by WeChat: nothing to close there
                return ProviderUpdate(UpdateKind.CLOSED, order_no)
            if code != ORDER_PAID:
                raise
            current = await self.query(payment, config)
            if current is None or current.kind is not UpdateKind.PAID:
                raise
            return current
        return ProviderUpdate(UpdateKind.CLOSED, order_no)

    async def refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """Ask for a refund (out_refund_no = refund_no): usually PROCESSING until a REFUND.* callback.

        A final refusal (refusals.FINAL_REFUSALS: NOT_ENOUGH, INVALID_REQUEST, ...) is REFUND_FAILED with WeChat's
        code and message; any other failure (5xx SYSTEM_ERROR, FREQUENCY_LIMITED, a timeout) raises.
        """
        arguments = orders.refund_arguments(payment, refund, self.credentials)
        try:
            answer = await self._client.json("the refund", lambda sdk: sdk.refund(**arguments))
        except ProviderError as e:
            refused = refusal_of(e, refund)
            if refused is None:
                raise
            return refused
        with answer_of("the refund"):
            return refund_update(refund, answer or {})

    async def query_refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """The refund by out_refund_no: SUCCESS, PROCESSING, ABNORMAL/CLOSED as REFUND_FAILED, or REFUND_NOT_FOUND
        when WeChat answers RESOURCE_NOT_EXISTS (it never received the refund)."""
        refund_no = refund.refund_no
        try:
            answer = await self._client.json("the refund query",
                                             lambda sdk: sdk.query_refund(out_refund_no=refund_no))
        except ProviderError as e:
            if e.extra.get("provider_code") == NOT_FOUND:
                return not_found(refund)
            raise
        with answer_of("the refund query"):
            return refund_update(refund, answer or {})

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """Refuse on the headers first (no outbound call ever), then verify, decrypt, check and translate."""
        notice = self._callbacks.open(raw.headers, raw.body)
        event_type = notice.event.get("event_type")
        try:
            if event_type == PAID_EVENT:
                return paid_notice(notice.event, notice.resource, raw.headers)
            if event_type in REFUND_EVENTS:
                return refund_notice(notice.event, notice.resource, raw.headers)
        except WireError as e:
            raise NotificationRejected("malformed", f"the {event_type} callback is malformed: {e}") from e
        raise NotificationRejected("unsupported_event", f"paycore does not handle {str(event_type)[:64]!r}")

    def open_callback(self, raw: RawNotification) -> Notice:
        """A callback verified and decrypted with this config's keys, its merchant and app not yet checked."""
        return self._callbacks.open_unchecked(raw.headers, raw.body)

    def callback_identity(self, serial: str) -> tuple[int, bytes] | None:
        """Which keys would open a callback naming this serial (equal for configs sharing them), or None."""
        return self._callbacks.identity(serial)

    async def renew_certificates(self) -> int:
        """Certificate mode: download WeChat's platform certificates and trust the new ones that check out; how many
        are new (0 in public-key mode, where nothing is downloaded)."""
        if not self._client.renews:
            return 0
        return await self._client.renew_certificates()

    async def download_bill(self, bill_date: date) -> bytes:
        """The day's trade bill (all trades), ungzipped, once its SHA1 matches WeChat's hash_value (downloaded as
        `bill` downloads it, into memory)."""
        answer = await self._bill_answer(bill_date)
        into = io.BytesIO()
        await self._client.download_into("the bill download", download_path(answer), into)
        return checked_bill(answer, into.getvalue())

    async def bill(self, bill_date: date) -> BillReader:
        """The day's bill as rows streamed from the gzip download (spooled to a temporary file: in memory up to
        SPOOL_BYTES, then on disk, never held whole), its SHA1 computed over the uncompressed lines as they go by
        and checked after the last one (BillCorrupt then); BillNotReady while WeChat has none."""
        try:
            answer = await self._bill_answer(bill_date)
        except ProviderError as e:
            late = bill_not_ready(e, "wechat", bill_date, "provider_code", "NO_STATEMENT_EXIST")
            if late is None:
                raise
            raise late from e
        expected = expected_sha1(answer)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - its lines close it
        try:
            await self._client.download_into("the bill download", download_path(answer), spool)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return WeChatBill(uncompressed_lines(spool), expected)

    async def _bill_answer(self, bill_date: date) -> Mapping[str, Any]:
        """WeChat's answer about the day's bill: where to download it and its SHA1."""
        day = bill_date.isoformat()
        return await self._client.json("the bill request", lambda sdk: sdk.trade_bill(bill_date=day)) or {}

    def __repr__(self) -> str:
        return f"WeChatGateway({self.credentials!r})"
