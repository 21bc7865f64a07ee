"""A tiny scripted WeChat Pay v3 API (plain ASGI under uvicorn on a free port): checks the merchant's
Authorization and answers signed like WeChat, with one injectable fault at a time."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.integration.wechat.wire import MCHID, MERCHANT_SERIAL, signed_headers, verifies

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
BILL = "交易时间,公众账号ID,商户号\r\n`2026-11-24 20:03:17,`wxd678efh567hg6787,`1900000109\r\n".encode()
AUTH = re.compile(r'^WECHATPAY2-SHA256-RSA2048 (?P<fields>.*)$')


@dataclass
class Seen:
    """One request the stub received."""

    method: str
    path: str  # with the query
    body: dict[str, Any] | None
    auth_ok: bool


@dataclass
class StubWeChat:
    """Answers like WeChat Pay's API root, signed with `wechat_private_pem` under `serial`.

    `answers` maps "METHOD /path" (no query) to (status, JSON object or None); `mode` injects a fault:
    ok | http_500 | slow | tampered | wrong_serial | unsigned | damaged_bill | download_refused.
    """

    wechat_private_pem: str
    serial: str
    merchant_public_pem: str
    mode: str = "ok"
    delay: float = 2.0
    answers: dict[str, tuple[int, dict[str, Any] | None]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = scope["query_string"].decode()
        path = scope["path"] + (f"?{query}" if query else "")
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        auth_ok = self._authorized(scope["method"], path, body, headers.get("authorization", ""))
        self.seen.append(Seen(scope["method"], path, json.loads(body) if body else None, auth_ok))
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if scope["path"] == "/v3/billdownload/file":  # WeChat does not sign file downloads
            if self.mode == "download_refused":
                await self._answer(send, 403, {"code": "NO_AUTH", "message": "无权限"})
                return
            await _respond(send, 200, gzip.compress(BILL), [(b"content-type", b"application/octet-stream")])
            return
        if not auth_ok:
            await self._answer(send, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
            return
        if self.mode == "http_500":
            await _respond(send, 500, b"<html>502 Bad Gateway</html>", [(b"content-type", b"text/html")])
            return
        status, answer = self.answers.get(f"{scope['method']} {scope['path']}", self._default(scope["path"]))
        await self._answer(send, status, answer)

    def _default(self, path: str) -> tuple[int, dict[str, Any] | None]:
        if path == "/v3/pay/transactions/native":
            return 200, {"code_url": "weixin://wxpay/bizpayurl?pr=stub0001"}
        if path == "/v3/pay/transactions/jsapi":
            return 200, {"prepay_id": "wx24200317stub0001"}
        if path.endswith("/close"):
            return 204, None
        if path == "/v3/bill/tradebill":
            hashed = BILL + (b"!" if self.mode == "damaged_bill" else b"")
            digest = hashlib.sha1(hashed, usedforsecurity=False).hexdigest()
            return 200, {"hash_type": "SHA1", "hash_value": digest,
                         "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=stub0001"}
        return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "the stub has no answer for this"}

    async def _answer(self, send: Send, status: int, answer: dict[str, Any] | None) -> None:
        body = json.dumps(answer, ensure_ascii=False).encode() if answer is not None else b""
        headers = [(b"content-type", b"application/json; charset=utf-8")] if body else []
        if 200 <= status < 300 and self.mode != "unsigned":
            serial = self.serial
            if self.mode == "wrong_serial":  # a serial of the same kind that nobody configured
                serial = "PUB_KEY_ID_0119999999999999999999999999999" if serial.startswith("PUB_") else "7E57AB1E"
            # tampered: the body changed after signing (a 204, which has no body, signed over another one)
            over = b"{}" if self.mode == "tampered" and not body else body
            signed = signed_headers(self.wechat_private_pem, serial, over, int(time.time()))
            headers += [(k.encode(), v.encode()) for k, v in signed.items()]
            if self.mode == "tampered":
                body = body.replace(b"stub0001", b"stub0002")
        await _respond(send, status, body, headers)

    def _authorized(self, method: str, path: str, body: bytes, authorization: str) -> bool:
        match = AUTH.match(authorization)
        if match is None:
            return False
        fields = dict(re.findall(r'(\w+)="([^"]*)"', match["fields"]))
        if fields.get("mchid") != MCHID or fields.get("serial_no") != MERCHANT_SERIAL:
            return False
        message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n".encode() + body + b"\n"
        return verifies(self.merchant_public_pem, message, fields.get("signature", ""))


class Switch:
    """An ASGI app that hands each request to the current stub, so one server can serve a whole session."""

    def __init__(self) -> None:
        self.current: StubWeChat | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.current is None:
            await _respond(send, 503, b"no stub in place", [(b"content-type", b"text/plain")])
            return
        await self.current(scope, receive, send)


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serve(app: Callable[..., Awaitable[None]]) -> Iterator[int]:
    """Run an ASGI app with uvicorn in a thread on a free loopback port; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the stub server did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()
