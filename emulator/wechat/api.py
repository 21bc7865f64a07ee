"""The v3 API at the root (WeChat signs only the path): one entry point, the envelope, then a route table."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response, route
from litestar.enums import HttpMethod

from emulator.alipay.store import FaultMode
from emulator.wechat import bills, refunds, signing, transactions, wire
from emulator.wechat.inject import WeChat
from emulator.wechat.orders import ApiError, Merchant
from emulator.wechat.platform import PlatformCertificate
from emulator.wechat.protocol import Call, Handler, Reply, authenticate, parse_body, respond, route_pattern
from emulator.wechat.service import WeChatEmulator

GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def certificates(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/certificates: every valid platform certificate (two during a rotation's overlap), each encrypted
    under the merchant's APIv3 key; the answer is signed as the merchant's mode expects."""
    return Reply(payload={"data": [_sealed(merchant, c) for c in wechat.platform.certificates]})


def _sealed(merchant: Merchant, platform_cert: PlatformCertificate) -> dict[str, Any]:
    nonce, cert = wire.gcm_nonce(), platform_cert.certificate
    return {
        "serial_no": platform_cert.serial_no,
        "effective_time": wire.rfc3339(cert.not_valid_before_utc),
        "expire_time": wire.rfc3339(cert.not_valid_after_utc),
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate",
            "ciphertext": signing.encrypt(merchant.api_v3_key, nonce, "certificate", platform_cert.pem),
        },
    }


ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/v3/pay/transactions/native", transactions.native),
    ("POST", "/v3/pay/transactions/jsapi", transactions.jsapi),
    ("POST", "/v3/pay/transactions/h5", transactions.h5),
    ("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}", transactions.query_by_out_trade_no),
    ("GET", "/v3/pay/transactions/id/{transaction_id}", transactions.query_by_id),
    ("POST", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close", transactions.close),
    ("POST", "/v3/refund/domestic/refunds", refunds.apply),
    ("GET", "/v3/refund/domestic/refunds/{out_refund_no}", refunds.query),
    ("GET", "/v3/bill/tradebill", bills.trade_bill),
    ("GET", "/v3/billdownload/file", bills.download),
    ("GET", "/v3/certificates", certificates),
]
_COMPILED = [(method, route_pattern(template), handler) for method, template, handler in ROUTES]


def dispatch(wechat: WeChatEmulator, merchant: Merchant, method: str, path: str, query: str, body: bytes) -> Reply:
    """Run the handler of method and path."""
    allowed = False
    for verb, pattern, handler in _COMPILED:
        match = pattern.match(path)
        if match is not None:
            allowed = True
            if verb == method:
                params = dict(parse_qsl(query, keep_blank_values=True))
                return handler(wechat, merchant, Call(match.groupdict(), params, parse_body(body)))
    if allowed:
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
    raise ApiError(404, "NOT_FOUND", f"no such API: {path}")


@route("/v3/{rest:path}", http_method=[HttpMethod.GET, HttpMethod.POST], name="wechat:api")
async def api(request: Request[Any, Any, Any], wechat: WeChat) -> Response[bytes]:
    """Verify the merchant's signed request and answer it as WeChat Pay does, signed."""
    body = await request.body()
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope["query_string"].decode("latin-1")
    signed_path = raw_path.decode("latin-1") + (f"?{query}" if query else "")
    fault = wechat.store.faults.take()
    if fault is FaultMode.HTTP_500:
        return respond(wechat, None, Reply(500, wire.error("SYSTEM_ERROR", "系统错误，请稍后重试")))
    if fault is FaultMode.GARBAGE:
        return Response(GARBAGE, status_code=200, media_type="text/html")
    if fault is FaultMode.SLOW:
        await asyncio.sleep(wechat.store.faults.seconds)
    if fault is FaultMode.LOST:
        await asyncio.sleep(wechat.store.faults.seconds)
        return respond(wechat, None, Reply(504, wire.error("SYSTEM_ERROR", "系统超时，请稍后重试")))
    fields = signing.parse_authorization(request.headers.get("authorization", ""))
    merchant = wechat.store.merchants.get(fields["mchid"]) if fields else None
    try:
        merchant = authenticate(wechat, fields, request.method, signed_path, body.decode("utf-8", "replace"))
        reply = dispatch(wechat, merchant, request.method, request.scope["path"], query, body)
    except ApiError as e:
        reply = Reply(e.status, wire.error(e.code, e.message))
    return respond(wechat, merchant, reply, tamper=fault is FaultMode.TAMPERED)
