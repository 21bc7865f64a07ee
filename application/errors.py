"""Errors of the application layer; each has a stable code the HTTP layer maps to a status."""

from __future__ import annotations

from typing import Any

from domain.errors import chinese


class ApplicationError(Exception):
    """Base of use-case errors."""

    code = "APPLICATION_ERROR"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class PaymentNotFound(ApplicationError):
    """No payment with that order_no."""

    code = "PAYMENT_NOT_FOUND"


class RefundNotFound(ApplicationError):
    """No refund with that refund_no."""

    code = "REFUND_NOT_FOUND"


class ApiKeyNotFound(ApplicationError):
    """No API key with that id."""

    code = "API_KEY_NOT_FOUND"


class LastAdminKey(ApplicationError):
    """Revoking this key would leave no active admin key (nobody could manage paycore any more)."""

    code = "LAST_ADMIN_KEY"


class ConfigNotFound(ApplicationError):
    """No usable payment config for the type or id."""

    code = "CONFIG_NOT_FOUND"


class OrderNoConflict(ApplicationError):
    """The order_no exists with different content."""

    code = "ORDER_NO_CONFLICT"


class IdempotencyKeyReused(ApplicationError):
    """The Idempotency-Key was used with a different request body."""

    code = "IDEMPOTENCY_KEY_REUSED"


class UnsupportedPayMethod(ApplicationError):
    """The pay_method does not belong to the payment_type."""

    code = "UNSUPPORTED_PAY_METHOD"


class OpenidRequired(ApplicationError):
    """JSAPI needs the payer's openid."""

    code = "OPENID_REQUIRED"


class GatewayNotAvailable(ApplicationError):
    """paycore has no gateway adapter for this payment type yet."""

    code = "GATEWAY_NOT_AVAILABLE"


class ProviderUnavailable(ApplicationError):
    """The provider could not be reached or timed out."""

    code = "PROVIDER_UNAVAILABLE"


class ProviderError(ApplicationError):
    """The provider answered an error, or an answer that does not verify."""

    code = "PROVIDER_ERROR"


class StorageUnavailable(ApplicationError):
    """The database cannot be reached."""

    code = "SERVICE_UNAVAILABLE"


class ConcurrencyConflict(ApplicationError):
    """Someone else changed the payment first; reload and try again."""

    code = "CONCURRENT_UPDATE"


class DuplicateKey(ApplicationError):
    """An insert hit a unique key (order_no, refund_no, provider event id, idempotency key)."""

    code = "DUPLICATE_KEY"


class NotificationRejected(ApplicationError):
    """A provider notification that must not change anything; `reason` is a stable label."""

    code = "NOTIFICATION_REJECTED"

    def __init__(self, reason: str, message: str, order_no: str | None = None) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason
        self.order_no = order_no  # the order the notification names, when it could be read (not verified)


class Unauthenticated(ApplicationError):
    """No valid API key."""

    code = "UNAUTHENTICATED"


class Forbidden(ApplicationError):
    """The API key's scope does not allow this."""

    code = "FORBIDDEN"


class SecretUnreadable(ApplicationError):
    """A stored secret cannot be decrypted: its master key is missing or wrong, or it was tampered with."""

    code = "MASTER_KEY_MISMATCH"


class InvalidField(ApplicationError):
    """A request field that failed a check made after decoding: its name and why, in English and in Chinese."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str, reason: str, reason_zh: str, **extra: Any) -> None:
        entry = {"key": field, "message": reason, "message_zh": chinese(reason_zh)}
        super().__init__(f"{field}: {reason}", field=field, fields=[entry], **extra)
        self.field, self.reason, self.reason_zh = field, reason, reason_zh


class InvalidKeyMaterial(ApplicationError):
    """Key material that cannot be parsed or is the wrong kind of key; `reason` says why, in both languages."""

    code = "VALIDATION_ERROR"

    def __init__(self, reason: str, reason_zh: str, role: str = "", role_zh: str = "") -> None:
        super().__init__(f"unusable {role}: {reason}" if role else reason, reason=reason)
        self.reason, self.reason_zh = reason, chinese(reason_zh)
        self.message_zh = f"无法使用的{role_zh}：{reason_zh}" if role_zh else reason_zh


class BillCorrupt(ApplicationError):
    """A provider's bill that cannot be read, or whose rows do not add up to the totals it states."""

    code = "BILL_CORRUPT"


class BillNotReady(ApplicationError):
    """The provider has not published the day's bill yet (both publish the previous day's from about 09:00 Beijing
    time): try again later."""

    code = "BILL_NOT_READY"


class InvalidBillDate(ApplicationError):
    """A bill date after today (Beijing): no provider has that bill."""

    code = "INVALID_BILL_DATE"
