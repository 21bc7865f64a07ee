"""Every error of the application layer, each with its stable code, defined here once; the HTTP layer maps the
classes to statuses (entrypoints/http/errors.py)."""

from __future__ import annotations

from typing import Any

from domain.errors import UnknownRefund, chinese


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


class PayerIpRequired(ApplicationError):
    """An h5 payment needs the payer's IP address (`payer_client_ip`), and the request has none."""

    code = "PAYER_CLIENT_IP_REQUIRED"


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


class ConfigUnreadable(ApplicationError):
    """A stored config's provider settings are not the JSON object paycore wrote (edited by hand, or truncated)."""

    code = "CONFIG_UNREADABLE"


class InvalidField(InvalidInput):
    """A request field that failed a check made after decoding: its name and why, in English and in Chinese."""

    def __init__(self, field: str, reason: str, reason_zh: str, **extra: Any) -> None:
        entry = {"key": field, "message": reason, "message_zh": chinese(reason_zh)}
        super().__init__(f"{field}: {reason}", field=field, fields=[entry], **extra)
        self.field, self.reason, self.reason_zh = field, reason, reason_zh


class InvalidConfig(InvalidField):
    """A config field that is missing or wrong, and why, in English and in Chinese."""


class KeyPairMismatch(InvalidField):
    """The configured public key (or app certificate) is not the private key's."""

    code = "KEY_PAIR_MISMATCH"


class InvalidKeyMaterial(InvalidInput):
    """Key material that cannot be parsed or is the wrong kind of key; `reason` says why, in both languages."""

    def __init__(self, reason: str, reason_zh: str, role: str = "", role_zh: str = "") -> None:
        super().__init__(f"unusable {role}: {reason}" if role else reason, reason=reason)
        self.reason, self.reason_zh = reason, chinese(reason_zh)
        self.message_zh = f"无法使用的{role_zh}：{reason_zh}" if role_zh else reason_zh


class InvalidCursor(InvalidField):
    """A cursor this service did not hand out."""

    def __init__(self) -> None:
        super().__init__("cursor", "is not valid; pass the next_cursor of a previous page",
                         "无效：请传入上一页返回的 next_cursor")


class UnknownScope(InvalidField):
    """A scope that is neither payments nor admin."""


class InvalidOverlap(InvalidField):
    """An overlap outside 0 to 168 hours."""


class RefusedWebhookAddress(InvalidField):
    """A webhook address paycore will not send to; `field` names where it was given."""


class DeliveryNotFound(ApplicationError):
    """No webhook delivery with that id."""

    code = "DELIVERY_NOT_FOUND"


class DeliveryNotFailed(ApplicationError):
    """Only a failed delivery can be retried; the others are delivered, skipped or still being tried."""

    code = "DELIVERY_NOT_FAILED"


class RefundNotProcessing(ApplicationError):
    """Only a PROCESSING refund can be sent again; a settled one is final."""

    code = "REFUND_NOT_PROCESSING"


class BillCorrupt(ApplicationError):
    """A provider's bill that cannot be read, or whose rows do not add up to the totals it states."""

    code = "BILL_CORRUPT"


class BillNotReady(ApplicationError):
    """The provider has not published the day's bill yet (both publish the previous day's from about 09:00 Beijing
    time): try again later."""

    code = "BILL_NOT_READY"


class ReconciliationNotFound(ApplicationError):
    """No reconciliation run with that id."""

    code = "RECONCILIATION_NOT_FOUND"


class DiscrepancyNotFound(ApplicationError):
    """No reported reconciliation discrepancy with that id."""

    code = "DISCREPANCY_NOT_FOUND"


class DiscrepancyNotOpen(ApplicationError):
    """A discrepancy already resolved (e.g. fixed by sync) needs no acknowledgement."""

    code = "DISCREPANCY_NOT_OPEN"


class InvalidBillDate(InvalidField):
    """A bill date after today (Beijing): no provider has that bill."""

    def __init__(self, day: object) -> None:
        super().__init__("bill_date", f"{day} is after today in Beijing: no provider has that bill yet",
                         f"{day} 晚于北京时间今天：支付渠道尚无此账单")
