"""How Alipay's asynchronous notifications are answered and documented: Alipay posts a form and reads the body
only, exactly `success` or anything else (paycore says `fail`) to send it again later."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.gateways.provider import NotifyAnswer, NotifyProtocol

SUCCESS = NotifyAnswer(200, "success")
FAIL = NotifyAnswer(200, "fail")
_FORM = {
    "type": "object", "additionalProperties": {"type": "string"},
    "description": "Alipay's asynchronous notification fields (notify_id, out_trade_no, trade_status, sign, ...), "
                   "as Alipay sends them",
    "properties": {name: {"type": "string"} for name in (
        "notify_id", "notify_time", "notify_type", "app_id", "out_trade_no", "trade_no", "trade_status",
        "total_amount", "sign_type", "sign")},
}


def answer(acknowledged: bool, reason: str, retry: bool) -> NotifyAnswer:
    """`success` once applied; `fail` for any refusal, final or not (Alipay retries either way)."""
    return SUCCESS if acknowledged else FAIL


def document(operation: dict[str, Any], error: Mapping[str, Any]) -> None:
    """The form Alipay posts and the text it reads."""
    operation["requestBody"] = {"required": False, "content": {  # an empty post is answered `fail`
        "application/x-www-form-urlencoded": {"schema": _FORM}}}
    operation["responses"] = {
        "200": {"description": "`success` once verified and durably applied (or already applied); `fail` "
                               "otherwise, so that Alipay retries (also, after a hold and unread, to an address "
                               "past PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS refused notifications this minute)",
                "content": {"text/plain": {"schema": {"type": "string", "enum": ["success", "fail"]}}}},
        "400": {"description": "VALIDATION_ERROR: a config_id out of range, or a NUL in the request",
                "content": {"application/json": {"schema": error}}},
    }


NOTIFY = NotifyProtocol(
    any_config="Alipay's asynchronous notification for any config: routed by its out_trade_no to the payment's "
               "config.",
    one_config="Alipay's asynchronous notification for one config.",
    answer=answer, over_budget=FAIL, document=document)
