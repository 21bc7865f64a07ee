"""Every error of the application layer, each with its stable code, defined here once; the HTTP layer maps the
classes to statuses (entrypoints/http/errors.py)."""

from __future__ import annotations

from typing import Any

from domain.errors import UnknownRefund


class ApplicationError(Exception):
    """Base of use-case errors."""

    code = "APPLICATION_ERROR"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class InvalidInput(ApplicationError):
    """Input that fails a check; `field` (in extra) names it."""

    code = "VALIDATION_ERROR"


class PaymentNotFound(ApplicationError):
    """No payment with that order_no."""

    code = "PAYMENT_NOT_FOUND"


class RefundNotFound(ApplicationError):
    """No refund with that refund_no."""

    code = UnknownRefund.code


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
    """An insert hit a unique key (order_no, refund_no, provider event id, idempotency key).

    Not a ConcurrencyConflict (a use case never retries it blindly), but to a caller it is one: someone else wrote
    the same thing first."""

    code = ConcurrencyConflict.code


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


class InvalidKeyMaterial(InvalidInput):
    """Key material that cannot be parsed or is the wrong kind of key."""


class InvalidCursor(InvalidInput):
    """A cursor this service did not hand out."""


class UnknownScope(InvalidInput):
    """A scope that is neither payments nor admin."""


class InvalidOverlap(InvalidInput):
    """An overlap outside 0 to 168 hours."""


class RefusedWebhookAddress(InvalidInput):
    """A webhook address paycore will not send to; `field` names where it was given."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field, fields=[{"key": field, "message": reason}])
        self.reason = reason


class DeliveryNotFound(ApplicationError):
    """No webhook delivery with that id."""

    code = "DELIVERY_NOT_FOUND"


class DeliveryNotFailed(ApplicationError):
    """Only a failed delivery can be retried; the others are delivered, skipped or still being tried."""

    code = "DELIVERY_NOT_FAILED"


class RefundNotProcessing(ApplicationError):
    """Only a PROCESSING refund can be sent again; a settled one is final."""

    code = "REFUND_NOT_PROCESSING"
