"""How WeChat Pay v3 callbacks are answered and documented: WeChat posts JSON with `Wechatpay-*` headers and treats
any 2xx as received (paycore answers 204, no body); anything else must be a 4xx/5xx
`{"code": "FAIL", "message": …}`, a 5xx being the one worth sending again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.gateways.provider import NotifyAnswer, NotifyProtocol, json_answer

_FAIL = {"type": "object", "required": ["code", "message"],
         "properties": {"code": {"const": "FAIL"}, "message": {"type": "string"}}}
_BODY = {
    "type": "object", "description": "a WeChat Pay v3 callback envelope; `resource` is AEAD_AES_256_GCM-sealed",
    "properties": {
        "id": {"type": "string"}, "create_time": {"type": "string"}, "event_type": {"type": "string"},
        "resource_type": {"type": "string"}, "summary": {"type": "string"},
        "resource": {"type": "object", "properties": {name: {"type": "string"} for name in (
            "algorithm", "ciphertext", "associated_data", "original_type", "nonce")}},
    },
}
_HEADERS = [
    ("Wechatpay-Signature", {"type": "string", "minLength": 1}, "base64 RSA signature of the callback"),
    ("Wechatpay-Signature-Type", {"type": "string", "enum": ["WECHATPAY2-SHA256-RSA2048"]}, "the signature scheme"),
    ("Wechatpay-Timestamp", {"type": "string", "pattern": "^[0-9]{1,12}$"},
     "unix seconds; refused outside ±5 minutes"),
    ("Wechatpay-Nonce", {"type": "string", "minLength": 1}, "the signature's nonce"),
    ("Wechatpay-Serial", {"type": "string", "minLength": 1}, "the WeChat Pay public key id or platform serial"),
]


def answer(acknowledged: bool, reason: str, retry: bool) -> NotifyAnswer:
    """204 once applied; a refusal 400 (final) or 500 (WeChat sends it again)."""
    if acknowledged:
        return NotifyAnswer(204)
    return json_answer(500 if retry else 400, {"code": "FAIL", "message": f"notification not accepted: {reason}"})


def document(operation: dict[str, Any], error: Mapping[str, Any]) -> None:
    """The envelope and headers WeChat posts and the answers it reads."""
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _BODY}}}
    headers = [{"name": name, "in": "header", "required": True, "schema": schema, "description": text}
               for name, schema, text in _HEADERS]
    operation["parameters"] = [*operation.get("parameters", []), *headers]
    operation["responses"] = {
        "204": {"description": "verified and applied (or already applied); no body"},
        "400": {"description": "refused (signature, serial, timestamp, merchant, amount, ...): "
                               '{"code": "FAIL", "message"}; a config_id out of range or a NUL: VALIDATION_ERROR',
                "content": {"application/json": {"schema": {"anyOf": [_FAIL, error]}}}},
        "429": {"description": "too many refused notifications from this address this minute "
                               "(PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS): answered after a hold, unread; WeChat retries",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/json": {"schema": _FAIL}}},
        "500": {"description": "not applied for now (database, provider, concurrent update): WeChat retries",
                "content": {"application/json": {"schema": {"anyOf": [_FAIL, error]}}}},
    }


NOTIFY = NotifyProtocol(
    any_config="WeChat Pay v3 callbacks for any config: opened with the key its serial names, routed by the order "
               "inside.",
    one_config="WeChat Pay v3 callbacks for one config.",
    answer=answer,
    over_budget=json_answer(429, {"code": "FAIL",
                                  "message": "too many refused notifications from this address; retry later"}),
    document=document)
