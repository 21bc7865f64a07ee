"""The OpenAPI document made to tell the truth: one pass over what Litestar generates that adds every error a
route can answer (from one table), the package version, summaries and descriptions, exact amounts and pay
methods, and the notify routes' real bodies (entrypoints/http/openapi_notify.py)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin

from adapters.gateways.provider import ProviderAdapter
from entrypoints.http.openapi_notify import ERROR_REF, describe_notify
from entrypoints.http.rate_limits import NOTIFY_PREFIX

Operation = dict[str, Any]
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["status_code", "code", "detail", "extra"],
    "properties": {
        "status_code": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "description": "a stable UPPER_SNAKE code"},
        "detail": {"type": "string", "description": "friendly and actionable; Chinese with Accept-Language: zh"},
        "extra": {"type": "object", "description": "details; VALIDATION_ERROR: fields: [{key, message, message_zh}]"},
    },
}
# status → what it means here (the codes it carries); which operations answer it is decided in `_statuses`.
ERRORS: dict[int, str] = {
    400: "Invalid request: VALIDATION_ERROR with the offending fields, or a rule such as UNSUPPORTED_PAY_METHOD",
    401: "UNAUTHENTICATED: no API key, or not a live one",
    403: "FORBIDDEN: the key's scope does not cover this operation",
    404: "Not found: PAYMENT_NOT_FOUND, REFUND_NOT_FOUND, CONFIG_NOT_FOUND, ... or NOT_FOUND (no such route)",
    409: "Conflict with the current state: ORDER_NO_CONFLICT, PAYMENT_ALREADY_PAID, REFUND_EXCEEDS_PAID, ...",
    413: "REQUEST_TOO_LARGE: the body is over 1 MiB",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "IDEMPOTENCY_KEY_REUSED: the same Idempotency-Key with a different body",
    429: "RATE_LIMITED: too many requests (or failed authentications); Retry-After says when to try again",
    500: "INTERNAL_ERROR: a bug, logged on our side; never a stack trace",
    501: "GATEWAY_NOT_AVAILABLE: no gateway for that provider in this deployment",
    502: "PROVIDER_UNAVAILABLE (unreachable, timeout) or PROVIDER_ERROR (the provider's code in extra)",
    503: "SERVICE_UNAVAILABLE: the database is down (or MASTER_KEY_MISMATCH)",
}
PROVIDER_CALLS = {("post", "/v1/payments"), ("get", "/v1/payments/{order_no}"),
                  ("post", "/v1/payments/{order_no}/close"), ("post", "/v1/payments/{order_no}/refunds"),
                  ("get", "/v1/refunds/{refund_no}"), ("post", "/v1/admin/refunds/{refund_no}/resend")}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}
AMOUNT: dict[str, Any] = {
    "description": 'yuan, exact: a string of ASCII digits with at most 2 decimals ("99.90", "5") or a JSON number '
                   "(99.9); > 0 and at most 100000000.00",
    "anyOf": [{"type": "string",
               "pattern": r"^(?:[1-9][0-9]{0,7}(?:\.[0-9]{1,2})?|0\.(?:0[1-9]|[1-9][0-9]?)|100000000(?:\.00?)?)$"},
              {"type": "number", "exclusiveMinimum": 0, "maximum": 100000000, "multipleOf": 0.01}],
}
NO_NUL = r"^[^\x00]*$"  # nul_guard.py refuses a NUL anywhere in a request


REQUEST_SCHEMAS = ("CreatePaymentRequest", "RefundRequest", "CreateApiKeyRequest", "ConfigRequest")


def refine(document: dict[str, Any], providers: Sequence[ProviderAdapter]) -> dict[str, Any]:
    """Rewrite a generated OpenAPI document in place (and return it), for the app's providers."""
    document["info"]["version"] = version("paycore")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    _refine_bodies(schemas, providers)
    protocols = {p.payment_type.value: p.notify for p in providers}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _describe(method, path, operation)
            if path.startswith(NOTIFY_PREFIX):
                describe_notify(protocols, path, operation)
            else:
                _refine_operation(method, path, operation)
    return document


def _refine_operation(method: str, path: str, operation: Operation) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "path":  # a path cannot carry a NUL anyway; a pattern there only slows generation
            _refuse_nul(parameter.get("schema", {}))
    responses = operation.setdefault("responses", {})
    for status in _statuses(method, path, operation):
        responses[str(status)] = {"description": ERRORS[status],
                                  "content": {"application/json": {"schema": ERROR_REF}}}
        if status == 429:
            responses["429"]["headers"] = RETRY_AFTER
    if path in ("/pay/{order_no}", "/pay/{order_no}/choose"):
        responses["404"] = {"description": "no such order, or no valid token `t` (the same HTML page)",
                            "content": {"text/html": {"schema": {"type": "string"}}}}
    if path == "/ready":
        responses["503"] = {"description": "the database does not answer",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}


def _statuses(method: str, path: str, operation: Operation) -> list[int]:
    """The error statuses an operation can answer."""
    keyed = path.startswith("/v1/")
    statuses = [500]
    if keyed or "{" in path or operation.get("parameters"):
        statuses += [400]
    if keyed:
        statuses += [401, 403, 429, 503]
    if "{" in path:
        statuses += [404]
    if "requestBody" in operation:
        statuses += [413, 415]
    if keyed and method != "get":
        statuses += [409, 404]
    if (method, path) in PROVIDER_CALLS:
        statuses += [501, 502]
    if (method, path) == ("post", "/v1/payments"):
        statuses += [422]
    if path.startswith("/pay/"):
        statuses += [503]
    return sorted(set(statuses))


def _describe(method: str, path: str, operation: Operation) -> None:
    """A summary (the docstring's first sentence) and a description (the docstring and the key it needs)."""
    text = (operation.get("description") or "").strip()
    first = text.split("\n")[0].split(". ")[0].rstrip(".") if text else f"{method.upper()} {path}"
    operation["summary"] = first
    scope = _scope(path)
    operation["description"] = (text or first) + (f"\n\nNeeds an API key of scope `{scope}`." if scope else
                                                   "\n\nNo API key.")
    if not scope:
        operation.pop("security", None)


def _scope(path: str) -> str | None:
    if path.startswith("/v1/admin/"):
        return "admin"
    if path.startswith("/v1/") and not path.startswith(NOTIFY_PREFIX):
        return "payments"
    return None


def _refine_bodies(schemas: dict[str, Any], providers: Sequence[ProviderAdapter]) -> None:
    """Amounts as the server parses them; pay methods as each payment type takes them."""
    # pay_method by payment_type, as the adapters offer them; those needing an openid get their own branch
    offered = {p.payment_type.value: p.pay_methods for p in providers}
    pay_methods = {t: [r.method.value for r in rules if not r.needs_openid] for t, rules in offered.items()}
    needs_openid = [(t, r.method.value) for t, rules in offered.items() for r in rules if r.needs_openid]
    for name, field in (("CreatePaymentRequest", "total_amount"), ("RefundRequest", "refund_amount")):
        if name in schemas:
            schemas[name]["properties"][field] = AMOUNT
    for name in REQUEST_SCHEMAS:
        for field in schemas.get(name, {}).get("properties", {}).values():
            _refuse_nul(field)
    create = schemas.get("CreatePaymentRequest")
    if create:
        branches: list[dict[str, Any]] = [
            {"properties": {"payment_type": {"const": t}, "pay_method": {"enum": methods}}}
            for t, methods in pay_methods.items()]
        branches.extend({"properties": {"payment_type": {"const": t}, "pay_method": {"const": method},
                                        "openid": {"type": "string"}}, "required": ["openid"]}
                        for t, method in needs_openid)
        create["oneOf"] = branches
        create["description"] = "pay_method by payment_type: " + "; ".join(
            f"{t} {' | '.join(methods)}" + "".join(f", or {m} with an openid" for n, m in needs_openid if n == t)
            for t, methods in pay_methods.items())


def _refuse_nul(schema: dict[str, Any]) -> None:
    """A free string (no pattern, enum or const of its own) says it takes no NUL."""
    types = [schema.get("type"), *(branch.get("type") for branch in schema.get("oneOf", []))]
    if "string" in types and not {"pattern", "enum", "const"} & schema.keys():
        schema["pattern"] = NO_NUL


def install(app: Litestar) -> None:
    """Refine the app's document once, where Litestar caches it (an on_startup hook)."""
    refine(app.plugins.get(OpenAPIPlugin).provide_openapi_schema(), app.state["container"].provider_adapters())
