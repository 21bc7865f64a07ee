"""Bills through the providers' gateways: the account a config's bill covers, the bill as streamed rows, and
each provider's "no bill yet" answer as BillNotReady."""

from __future__ import annotations

import io
from datetime import date

from adapters.gateways.alipay.bill_rows import AlipayBill
from adapters.gateways.wechat.bill_rows import WeChatBill
from application.bills import BillReader
from application.errors import BillNotReady, ProviderError
from application.ports.providers import GatewayRegistry
from application.records import PaymentConfig

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
            content = await self._gateways.bills(config).download_bill(day)
        except ProviderError as e:
            key, code = NOT_READY[self._type]
            if e.extra.get(key) == code:
                raise BillNotReady(f"the {self._type} bill of {day} is not ready yet ({code}); try again later",
                                   provider_code=code) from e
            raise
        if self._type == "alipay":
            return AlipayBill(io.BytesIO(content))
        return WeChatBill(io.BytesIO(content))  # the gateway checked its SHA1 already
