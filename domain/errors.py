"""Errors the domain raises; each names what was wrong in terms a developer can act on, and has a stable code."""

from __future__ import annotations

import re


def chinese(text: str) -> str:
    """`text`, refused unless it holds Chinese: an error a caller can fix says why in both languages."""
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise ValueError(f"a Chinese reason is required, got {text!r}")
    return text


class DomainError(Exception):
    """Base of every domain rule violation."""

    code = "DOMAIN_ERROR"


class InvalidAmount(DomainError, ValueError):
    """An amount that is not a valid payable amount; why, in English and in Chinese (`message_zh`)."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = chinese(message_zh)

    code = "VALIDATION_ERROR"


class IllegalTransition(DomainError):
    """A move the transition table does not allow."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: str, attempted: str, subject: str = "payment") -> None:
        self.current = current
        self.attempted = attempted
        super().__init__(f"a {subject} in {current} cannot move to {attempted}")


class PaymentAlreadyPaid(IllegalTransition):
    """Closing (or otherwise undoing) a payment whose money was taken."""

    code = "PAYMENT_ALREADY_PAID"


class PaymentNotPaid(IllegalTransition):
    """Refunding a payment that was never paid: still waiting for the payer, or closed."""

    code = "PAYMENT_NOT_PAID"

    def __init__(self, current: str, attempted: str = "REFUND") -> None:
        super().__init__(current, attempted)
        if str(current) == "TRADE_CLOSED":
            self.args = (f"this payment was closed ({current}) without being paid: there is nothing to refund",)
        else:
            self.args = (f"this payment is not paid yet ({current}): only a paid payment can be refunded",)


class RefundExceedsPaid(DomainError):
    """Refunds would add up to more than was paid."""

    code = "REFUND_EXCEEDS_PAID"

    def __init__(self, paid: str, committed: str, requested: str) -> None:
        self.paid, self.committed, self.requested = paid, committed, requested
        super().__init__(
            f"refund of {requested} exceeds what is left: paid {paid}, already refunded or refunding {committed}"
        )


class AmountMismatch(DomainError):
    """A provider reports an amount different from the payment's."""

    code = "AMOUNT_MISMATCH"

    def __init__(self, expected: str, reported: str) -> None:
        self.expected, self.reported = expected, reported
        super().__init__(f"provider reported {reported}, the payment is for {expected}")


class UnknownRefund(DomainError):
    """A provider update names a refund this payment does not have."""

    code = "REFUND_NOT_FOUND"

    def __init__(self, refund_no: str) -> None:
        self.refund_no = refund_no
        super().__init__(f"no refund {refund_no} on this payment")


class RefundNoConflict(DomainError):
    """A refund number reused with different content."""

    code = "REFUND_NO_CONFLICT"

    def __init__(self, refund_no: str, why: str = "already exists with a different amount or reason") -> None:
        self.refund_no = refund_no
        super().__init__(f"refund {refund_no} {why}")


class TooManyAttempts(DomainError):
    """The payer started more attempts than a payment may have."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, limit: int) -> None:
        super().__init__(f"this payment already has {limit} attempts; create a new payment to try again")


class MethodNotOffered(DomainError):
    """The payer chose a method the business did not offer for this payment."""

    code = "METHOD_NOT_OFFERED"

    def __init__(self, choice: str, offered: tuple[str, ...]) -> None:
        self.choice, self.offered = choice, offered
        super().__init__(f"{choice} is not one of this payment's methods: {', '.join(offered)}")
