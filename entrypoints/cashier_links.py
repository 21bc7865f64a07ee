"""The payer's links to the cashier page: the order number and a token only paycore can make (see
adapters/crypto/cashier_tokens.py); without the token, or with a wrong one, the page is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from adapters.crypto.cashier_tokens import CashierTokens
from domain.payment import Payment

LINK_PARAM = "t"


@dataclass(frozen=True, slots=True)
class CashierLinks:
    """Builds and checks the `cashier_url` of a payment."""

    public_url: str
    tokens: CashierTokens

    def path(self, payment: Payment, suffix: str = "") -> str:
        """`/pay/{order_no}{suffix}?t=…`, relative to this service."""
        token = self.tokens.token(payment.order_no, payment.expire_time)
        return f"/pay/{quote(payment.order_no, safe='')}{suffix}?{LINK_PARAM}={token}"

    def url(self, payment: Payment) -> str:
        """The absolute cashier URL the API and webhooks give out."""
        return self.public_url.rstrip("/") + self.path(payment)

    def admits(self, payment: Payment, token: str | None) -> bool:
        """Whether `token` opens this payment's cashier."""
        return bool(token) and self.tokens.valid(payment.order_no, payment.expire_time, token or "")
