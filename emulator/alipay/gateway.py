"""`gateway.do`: Alipay's single entry point for API calls and page-pay redirects."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, route
from litestar.enums import HttpMethod

from emulator.alipay import cashier, precreate
from emulator.alipay.inject import Alipay
from emulator.alipay.methods import METHODS, PAGE_METHODS
from emulator.alipay.protocol import CHARSETS, GatewayError, authenticate, biz_content, parse_params, signed_response
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.store import FaultMode
from emulator.alipay.trades import TradeError

ANSWER_TYPE = "text/html;charset=utf-8"
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


@route("/gateway.do", http_method=[HttpMethod.GET, HttpMethod.POST], name="alipay:gateway")
async def gateway(request: Request[Any, Any, Any], alipay: Alipay) -> Response[bytes]:
    """Verify the merchant's request and answer it as Alipay does."""
    body = await request.body() if request.method == HttpMethod.POST else b""
    params = parse_params(request.scope["query_string"], body)
    method = params.get("method", "")
    if method in PAGE_METHODS:
        return cashier.open_page(alipay, params)
    fault = alipay.store.faults.take()
    if fault is FaultMode.HTTP_500:
        return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
    if fault is FaultMode.GARBAGE:
        return Response(GARBAGE, status_code=200, media_type=ANSWER_TYPE)
    if fault is FaultMode.SLOW:
        await asyncio.sleep(alipay.store.faults.seconds)
    if fault is FaultMode.LOST:
        await asyncio.sleep(alipay.store.faults.seconds)
        return Response(b"Gateway Timeout", status_code=504, media_type="text/plain")
    payload = answer(alipay, params)
    charset = params.get("charset", "utf-8").lower()
    charset = charset if charset in CHARSETS else "utf-8"
    app_id = params.get("app_id", "")
    content = signed_response(method, payload, alipay.key_for(app_id), charset, tamper=fault is FaultMode.TAMPERED,
                              cert_sn=alipay.cert_sn_for(app_id))
    return Response(content, status_code=200, media_type=f"text/html;charset={charset}")


def answer(alipay: AlipayEmulator, params: dict[str, str]) -> dict[str, Any]:
    """The response object for one API call: success, a gateway refusal, or a business failure."""
    try:
        app = authenticate(alipay, params)
        if params["method"] == precreate.METHOD:  # needs the common params too (notify_url)
            return precreate.precreate(alipay, app, params)
        handler = METHODS.get(params["method"])
        if handler is None:
            raise GatewayError("40002", "isv.invalid-method", "不存在的方法名")
        return handler(alipay, app, biz_content(params))
    except GatewayError as e:
        return e.payload()
    except TradeError as e:
        return {"code": "40004", "msg": "Business Failed", "sub_code": e.sub_code, "sub_msg": e.sub_msg}
