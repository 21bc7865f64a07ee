"""Bills through the providers' gateways: the account a config's bill covers, the bill as streamed rows, and
each provider's "no bill yet" answer as BillNotReady."""

from __future__ import annotations

import io
from datetime import date
from typing import Protocol, cast

from adapters.gateways.alipay.bill_rows import AlipayBill
from adapters.gateways.wechat.bill_rows import WeChatBill
from application.bills import BillReader
from application.errors import BillNotReady, ProviderError
from application.ports import GatewayRegistry, PaymentConfig


class BillDownloader(Protocol):
    """What both provider gateways offer beside the Gateway protocol: the day's raw bill."""

    async def download_bill(self, bill_date: date) -> bytes:
        """The bill file (Alipay's ZIP; WeChat's CSV, ungzipped and its SHA1 checked)."""


NOT_READY = {"alipay": ("sub_code", "isp.bill_not_exist"), "wechat": ("provider_code", "NO_STATEMENT_EXIST")}


class GatewayBillSource:
    """The BillSource port for one provider, over the gateway registry."""

    def __init__(self, gateways: GatewayRegistry, payment_type: str) -> None:
        self._gateways, self._type = gateways, payment_type

    def account(self, config: PaymentConfig) -> str:
        """An Alipay app (app_id) or a WeChat merchant (mch_id): what a bill covers."""
        return config.app_id if self._type == "alipay" else config.mch_id

    async def bill(self, config: PaymentConfig, day: date) -> BillReader:
        """The day's bill; BillNotReady when the provider says it has none (yet)."""
        try:
            content = await cast(BillDownloader, self._gateways.for_config(config)).download_bill(day)
        except ProviderError as e:
            key, code = NOT_READY[self._type]
            if e.extra.get(key) == code:
                raise BillNotReady(f"the {self._type} bill of {day} is not ready yet ({code}); try again later",
                                   provider_code=code) from e
            raise
        if self._type == "alipay":
            return AlipayBill(io.BytesIO(content))
        return WeChatBill(io.BytesIO(content))  # the gateway checked its SHA1 already
