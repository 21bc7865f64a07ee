"""A tiny scripted Alipay gateway (plain ASGI under uvicorn on a free port) for the transport's quirks."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from tests.integration.alipay.wire import rsa2, rsa2_ok

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
BILL = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP archive


class StubAlipay:
    """Answers `/gateway.do` like Alipay, signed with `alipay_private_pem`; `mode` injects one fault."""

    def __init__(self, alipay_private_pem: str, app_public_pem: str) -> None:
        self.alipay_private_pem, self.app_public_pem = alipay_private_pem, app_public_pem
        self.mode = "ok"  # ok | http_500 | slow | garbage | tampered | unsigned
        self.delay = 1.0
        self.answers: dict[str, dict[str, Any]] = {}  # method → the `<method>_response` object
        self.requests: list[dict[str, str]] = []  # query + form of each call, plus "_signature_ok"
        self.base_url = ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] == "/bill.zip":
            await _respond(send, 200, BILL, b"application/zip")
            return
        params = dict(parse_qsl(scope["query_string"].decode())) | dict(parse_qsl(body.decode()))
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
        params["_signature_ok"] = str(rsa2_ok(self.app_public_pem, content, params.get("sign", "")))
        self.requests.append(params)
        status, answer = await self._answer(params)
        await _respond(send, status, answer, b"text/html;charset=utf-8")

    async def _answer(self, params: dict[str, str]) -> tuple[int, bytes]:
        method = params.get("method", "")
        key = method.replace(".", "_") + "_response"
        if self.mode == "http_500":
            return 500, b"<html>Internal Server Error</html>"
        if self.mode == "garbage":
            return 200, b"<html>\x00\xff not json"
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if params["_signature_ok"] != "True":
            error = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                     "sub_msg": "invalid signature"}
            return 200, json.dumps({key: error}).encode()
        payload = self.answers.get(method, {"code": "10000", "msg": "Success"})
        if method == "alipay.data.dataservice.bill.downloadurl.query":
            payload = {"code": "10000", "msg": "Success", "bill_download_url": self.base_url + "/bill.zip"}
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if self.mode == "unsigned":
            return 200, f'{{"{key}":{text}}}'.encode()
        sign = rsa2(self.alipay_private_pem, text)
        if self.mode == "tampered":
            text = text.replace("Success", "Sucjess")
        return 200, f'{{"{key}":{text},"sign":"{sign}"}}'.encode()


async def _respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
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
