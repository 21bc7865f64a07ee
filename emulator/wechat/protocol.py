"""The v3 API's envelope: checking the merchant's Authorization, reading JSON bodies, signing answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Response

from emulator.wechat import callbacks, signing, wire
from emulator.wechat.orders import ApiError, Merchant, param_error
from emulator.wechat.service import WeChatEmulator

JSON = "application/json; charset=utf-8"
MAX_CLOCK_SKEW = 300


@dataclass(frozen=True)
class Call:
    """One verified API call: the path's named parts, the query and the JSON body."""

    path: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """An answer: JSON (or no body, for 204), or a raw file, which WeChat does not sign."""

    status: int = 200
    payload: dict[str, Any] | None = None
    raw: bytes | None = None


Handler = Callable[[WeChatEmulator, Merchant, Call], Reply]


def sign_error(message: str) -> ApiError:
    """401 SIGN_ERROR."""
    return ApiError(401, "SIGN_ERROR", message)


def authenticate(
    wechat: WeChatEmulator, fields: dict[str, str] | None, method: str, path: str, body: str
) -> Merchant:
    """The calling merchant, once its Authorization header checks out."""
    if fields is None:
        raise sign_error("Authorization头缺失或格式错误，应为 WECHATPAY2-SHA256-RSA2048 mchid=\"…\",nonce_str=\"…\",…")
    merchant = wechat.store.merchants.get(fields["mchid"])
    if merchant is None:
        raise sign_error(f"商户号{fields['mchid']}不存在或未开通APIv3")
    if fields["serial_no"].upper() != merchant.serial_no.upper():
        raise sign_error("商户证书序列号有误，请检查serial_no")
    if not fields["timestamp"].isdigit():
        raise sign_error("timestamp格式错误")
    if abs(wechat.clock().timestamp() - int(fields["timestamp"])) > MAX_CLOCK_SKEW:
        raise sign_error("请求时间戳与微信支付服务器时间相差超过5分钟")
    lines = (method, path, fields["timestamp"], fields["nonce_str"], body)
    if not signing.verify(merchant.public_key, fields["signature"], *lines):
        raise sign_error("签名错误，请检查后再试。验签串为：" + json.dumps("\n".join(lines) + "\n", ensure_ascii=False))
    return merchant


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body (empty when there is none)."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise param_error("请求体不是合法的JSON") from e
    if not isinstance(data, dict):
        raise param_error("请求体应为JSON对象")
    return data


def text(data: dict[str, Any], name: str, max_length: int = 256, where: str = "/body") -> str:
    """A required non-empty string field."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise param_error(f"输入源“{where}/{name}”映射到字段“{name}”必填性规则校验失败，此字段为必填项")
    if len(value) > max_length:
        raise param_error(f"字段“{name}”长度超过{max_length}")
    return value


def obj(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A required object field."""
    value = data.get(name)
    if not isinstance(value, dict):
        raise param_error(f"输入源“/body/{name}”映射到字段“{name}”必填性规则校验失败，此字段为必填项")
    return value


def fen(data: dict[str, Any], name: str, where: str = "/body/amount") -> int:
    """A required positive integer amount in fen (a float or a string is refused, as WeChat does)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise param_error(f"输入源“{where}/{name}”映射到字段“{name}”类型或取值错误，应为正整数（分）")
    return value


def same_merchant(merchant: Merchant, mchid: str) -> None:
    """Refuse a body or query mchid other than the one that signed."""
    if mchid != merchant.mchid:
        raise param_error("请求中的mchid与Authorization中的商户号不一致")


def route_pattern(template: str) -> re.Pattern[str]:
    """A path regex from "/v3/…/{name}/…"."""
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


def respond(wechat: WeChatEmulator, merchant: Merchant | None, reply: Reply, tamper: bool = False) -> Response[bytes]:
    """The answer, signed as the merchant's mode expects; a tampered one's signature covers other bytes."""
    if reply.raw is not None:
        return Response(reply.raw, status_code=reply.status, media_type="application/octet-stream",
                        headers={"Request-ID": wire.request_id()})
    body = "" if reply.payload is None else callbacks.dumps(reply.payload)
    headers = wechat.sign(merchant, body + (" " if tamper else ""))
    return Response(body.encode("utf-8"), status_code=reply.status, media_type=JSON, headers=headers)
