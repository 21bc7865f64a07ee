"""How the payer pays: what a gateway hands back when a payment is created."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Checkout:
    """A pay URL (Alipay pc/wap, WeChat H5), a QR code's content (WeChat Native, Alipay qr) or JSAPI parameters."""

    pay_url: str | None = None
    code_url: str | None = None
    pay_params: dict[str, str] = field(default_factory=dict)
