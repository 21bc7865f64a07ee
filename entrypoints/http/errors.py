"""One place that turns every error into the API's error body, with a stable code and no stack trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from application import errors as app
from application.errors import InvalidConfig, KeyPairMismatch
from domain import errors as dom
from entrypoints.http.field_messages import FieldProblem, body_problems
from entrypoints.http.i18n import localise

log = logging.getLogger("paycore.http")

# The status of each error class, looked up along the exception's MRO (so a subclass may differ from its base);
# the code is the class's own (`exc.code`), defined once in application/errors.py or domain/errors.py.
STATUSES: dict[type[Exception], int] = {
    app.InvalidInput: 400,
    app.PaymentNotFound: 404,
    app.RefundNotFound: 404,
    app.ApiKeyNotFound: 404,
    app.LastAdminKey: 409,
    app.ConfigNotFound: 404,
    app.OrderNoConflict: 409,
    app.IdempotencyKeyReused: 422,
    app.UnsupportedPayMethod: 400,
    app.OpenidRequired: 400,
    app.PayerIpRequired: 400,
    app.Unauthenticated: 401,
    app.Forbidden: 403,
    app.GatewayNotAvailable: 501,
    app.ProviderUnavailable: 502,
    app.ProviderError: 502,
    app.StorageUnavailable: 503,
    app.ConcurrencyConflict: 409,
    app.DuplicateKey: 409,
    app.NotificationRejected: 400,
    app.SecretUnreadable: 503,
    app.ConfigUnreadable: 503,
    app.DeliveryNotFound: 404,
    app.ReconciliationNotFound: 404,
    app.DiscrepancyNotFound: 404,
    app.DiscrepancyNotOpen: 409,
    app.DeliveryNotFailed: 409,
    app.RefundNotProcessing: 409,
    app.BillCorrupt: 502,
    app.BillNotReady: 409,
    InvalidConfig: 400,
    KeyPairMismatch: 400,
    dom.InvalidAmount: 400,
    dom.IllegalTransition: 409,
    dom.RefundExceedsPaid: 409,
    dom.RefundNoConflict: 409,
    dom.AmountMismatch: 409,
    dom.UnknownRefund: 404,
    dom.TooManyAttempts: 409,
    dom.MethodNotOffered: 400,
}

_HTTP_CODES = {400: app.InvalidInput.code, 401: app.Unauthenticated.code, 403: app.Forbidden.code, 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 413: "REQUEST_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 429: "RATE_LIMITED"}


_KEPT_HEADERS = {405: ("allow",), 429: ("retry-after",)}


class FieldError(app.InvalidField):
    """A request field that failed a check done outside the schema (an amount, say), and why in both languages."""


def error_response(request: Request[Any, Any, Any], status: int, code: str, detail: str,
                   extra: dict[str, Any] | None = None) -> Response[dict[str, Any]]:
    """The API's error body, localised."""
    extra = extra or {}
    body = {"status_code": status, "code": code,
            "detail": localise(code, detail, extra, request.headers.get("accept-language")), "extra": extra}
    return Response(body, status_code=status, media_type="application/json")


def _extra_of(exc: Exception) -> dict[str, Any]:
    extra = dict(getattr(exc, "extra", {}) or {})
    for name in ("current", "attempted", "paid", "committed", "requested", "expected", "reported", "refund_no"):
        if hasattr(exc, name):
            extra[name] = str(getattr(exc, name))
    return extra


def handle_known(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Application and domain errors, by the table above."""
    for klass in type(exc).__mro__:
        if klass in STATUSES:
            status, code = STATUSES[klass], getattr(exc, "code", "INTERNAL_ERROR")
            message = getattr(exc, "message", None) or str(exc)
            extra = _extra_of(exc)
            if code == app.InvalidInput.code and "fields" not in extra:  # key material, or an amount the domain refused
                entry = {"key": extra.get("field", ""), "message": message,
                         "message_zh": getattr(exc, "message_zh", "")}
                extra = {"fields": [entry], **extra}
            return error_response(request, status, code, message, extra)
    return handle_unexpected(request, exc)


def _body_problems(request: Request[Any, Any, Any]) -> list[FieldProblem]:
    """Every problem of the body of a route that takes one (checked again field by field), else none."""
    data = getattr(request.scope.get("route_handler"), "parsed_data_field", None)
    if data is None:
        return []
    body = getattr(request, "_body", None)
    if not isinstance(body, bytes):
        body = getattr(getattr(request, "_connection_state", None), "body", None)
    return body_problems(body, data.annotation) if isinstance(body, bytes) else []


def problems_response(request: Request[Any, Any, Any], problems: list[FieldProblem]) -> Response[dict[str, Any]]:
    """400 VALIDATION_ERROR naming every invalid field with its reason (extra.fields; extra.field: the first)."""
    english = "; ".join(f"{p.key} {p.message}" if p.key != "body" else p.message for p in problems)
    return error_response(request, 400, "VALIDATION_ERROR", f"invalid request: {english}",
                          {"field": problems[0].key, "fields": [p.as_json() for p in problems]})


def handle_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    """Schema failures: 400 VALIDATION_ERROR with the offending fields."""
    problems = _body_problems(request)
    if problems:
        return problems_response(request, problems)
    fields = exc.extra if isinstance(exc.extra, list) else []
    clean = [{"key": f.get("key"), "source": f.get("source"), "message": f.get("message")}
             for f in fields if isinstance(f, dict)]
    detail = "; ".join(f"{f['key'] or 'body'}: {f['message']}" for f in clean) or (exc.detail or "invalid request")
    return error_response(request, 400, "VALIDATION_ERROR", f"invalid request: {detail}", {"fields": clean})


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Litestar's own HTTP errors (unknown route, wrong method, bad body)."""
    status = exc.status_code
    if isinstance(exc, NotFoundException) and "path_template" not in request.scope:  # no route matched
        request.app.state.metrics.observe_request("unmatched", request.method, 404, 0.0)
        return error_response(request, 404, "NOT_FOUND", f"no route {request.method} {request.url.path}")
    if isinstance(exc, NotFoundException):
        return error_response(request, 404, "NOT_FOUND", f"no route {request.method} {request.url.path}")
    if status >= 500:
        return handle_unexpected(request, exc)
    if status == 400 and (problems := _body_problems(request)):  # a body that is not JSON, or empty
        return problems_response(request, problems)
    code = _HTTP_CODES.get(status, "VALIDATION_ERROR" if status < 500 else "INTERNAL_ERROR")
    response = error_response(request, status, code, exc.detail or "bad request")
    kept = _KEPT_HEADERS.get(status, ())  # 429: when to try again; 405: what the route does allow (RFC 9110)
    response.headers.update({k: v for k, v in (exc.headers or {}).items() if k.lower() in kept})
    return response


def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    """A request body nested past what the decoder follows (msgspec raises RecursionError): bad input, not a bug."""
    log.warning("request.too_deep %s %s", request.method, request.url.path)
    message = "the JSON body is nested too deeply; send the flat object the API documents"
    return error_response(request, 400, "VALIDATION_ERROR", f"invalid request: body: {message}",
                          {"fields": [{"key": "body", "message": message}]})


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """A bug: logged with its trace on our side, never shown to the caller."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                          "internal error; it has been logged, please retry later")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    app.ApplicationError: handle_known,
    dom.DomainError: handle_known,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    RecursionError: handle_too_deep,
    Exception: handle_unexpected,
}
