"""The provider notification routes as the providers really call them: Alipay posts a form and reads a
`text/plain` `success`/`fail`; WeChat Pay v3 posts JSON with `Wechatpay-*` headers and reads 204 or a
4xx/5xx `{"code": "FAIL", "message": …}`."""

from __future__ import annotations

from typing import Any

NOTIFY_PREFIX = "/v1/notify/"
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_WECHAT_FAIL = {"type": "object", "required": ["code", "message"],
                "properties": {"code": {"const": "FAIL"}, "message": {"type": "string"}}}
_ALIPAY_FORM = {
    "type": "object", "additionalProperties": {"type": "string"},
    "description": "Alipay's asynchronous notification fields (notify_id, out_trade_no, trade_status, sign, ...), "
                   "as Alipay sends them",
    "properties": {name: {"type": "string"} for name in (
        "notify_id", "notify_time", "notify_type", "app_id", "out_trade_no", "trade_no", "trade_status",
        "total_amount", "sign_type", "sign")},
}
_WECHAT_BODY = {
    "type": "object", "description": "a WeChat Pay v3 callback envelope; `resource` is AEAD_AES_256_GCM-sealed",
    "properties": {
        "id": {"type": "string"}, "create_time": {"type": "string"}, "event_type": {"type": "string"},
        "resource_type": {"type": "string"}, "summary": {"type": "string"},
        "resource": {"type": "object", "properties": {name: {"type": "string"} for name in (
            "algorithm", "ciphertext", "associated_data", "original_type", "nonce")}},
    },
}
_WECHAT_HEADERS = [
    ("Wechatpay-Signature", {"type": "string", "minLength": 1}, "base64 RSA signature of the callback"),
    ("Wechatpay-Signature-Type", {"type": "string", "enum": ["WECHATPAY2-SHA256-RSA2048"]}, "the signature scheme"),
    ("Wechatpay-Timestamp", {"type": "string", "pattern": "^[0-9]{1,12}$"},
     "unix seconds; refused outside ±5 minutes"),
    ("Wechatpay-Nonce", {"type": "string", "minLength": 1}, "the signature's nonce"),
    ("Wechatpay-Serial", {"type": "string", "minLength": 1}, "the WeChat Pay public key id or platform serial"),
]


def describe_notify(path: str, operation: dict[str, Any]) -> None:
    """The real request body, headers and answers of a notify operation."""
    if "/alipay" in path:
        _alipay(operation)
    else:
        _wechat(operation)
    operation["responses"]["413"] = {"description": "REQUEST_TOO_LARGE: the body is over 1 MiB", "content": _ERROR}
    operation["responses"]["500"] = operation["responses"].get("500") or {
        "description": "INTERNAL_ERROR: a bug, logged on our side", "content": _ERROR}
    if "{" in path:
        operation["responses"]["404"] = {"description": "NOT_FOUND: no route (config_id not a number)",
                                         "content": _ERROR}


def _alipay(operation: dict[str, Any]) -> None:
    operation["requestBody"] = {"required": False, "content": {  # an empty post is answered `fail`
        "application/x-www-form-urlencoded": {"schema": _ALIPAY_FORM}}}
    operation["responses"] = {
        "200": {"description": "`success` once verified and durably applied (or already applied); `fail` "
                               "otherwise, so that Alipay retries (also, after a hold and unread, to an address "
                               "past PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS refused notifications this minute)",
                "content": {"text/plain": {"schema": {"type": "string", "enum": ["success", "fail"]}}}},
        "400": {"description": "VALIDATION_ERROR: a config_id out of range, or a NUL in the request",
                "content": _ERROR},
    }


def _wechat(operation: dict[str, Any]) -> None:
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _WECHAT_BODY}}}
    headers = [{"name": name, "in": "header", "required": True, "schema": schema, "description": text}
               for name, schema, text in _WECHAT_HEADERS]
    operation["parameters"] = [*operation.get("parameters", []), *headers]
    operation["responses"] = {
        "204": {"description": "verified and applied (or already applied); no body"},
        "400": {"description": "refused (signature, serial, timestamp, merchant, amount, ...): "
                               '{"code": "FAIL", "message"}; a config_id out of range or a NUL: VALIDATION_ERROR',
                "content": {"application/json": {"schema": {"anyOf": [
                    _WECHAT_FAIL, {"$ref": "#/components/schemas/Error"}]}}}},
        "429": {"description": "too many refused notifications from this address this minute "
                               "(PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS): answered after a hold, unread; WeChat retries",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": _WECHAT_FAIL}}},
        "500": {"description": "not applied for now (database, provider, concurrent update): WeChat retries",
                "content": {"application/json": {"schema": {"anyOf": [
                    _WECHAT_FAIL, {"$ref": "#/components/schemas/Error"}]}}}},
    }
