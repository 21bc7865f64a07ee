"""The official alipay-sdk-python, pointed at the emulator."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import rsa
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.exception.Exception import ResponseException
from alipay.aop.api.util.SignatureUtils import get_sign_content, verify_with_rsa
from alipay.aop.api.util.WebUtils import url_encode


def port_honouring_do_post(
    url: str,
    query_string: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    charset: str = "utf-8",
    timeout: float = 15,
) -> bytes:
    """The SDK's do_post, but keeping the port of url (the stock one always dials 80 or 443)."""
    body = url_encode(params, charset) if params else None
    response = httpx.post(f"{url}?{query_string}", content=body, headers=headers, timeout=timeout)
    if response.status_code != 200:
        raise ResponseException(f"invalid http status {response.status_code},detail body:{response.text}")
    return response.content


def client(server_url: str, app_id: str, app_private_key: str, alipay_public_key: str, charset: str = "utf-8") -> Any:
    """A DefaultAlipayClient for one merchant app, signing RSA2 with the SDK's own signer."""
    config = AlipayClientConfig()
    config.server_url = server_url
    config.app_id = app_id
    config.app_private_key = app_private_key
    config.alipay_public_key = alipay_public_key
    config.timeout = 10
    config.charset = charset
    return DefaultAlipayClient(alipay_client_config=config)


async def execute(sdk_client: Any, request: Any) -> dict[str, Any]:
    """Run request through the SDK in a worker thread; the verified response object as a dict."""
    content = await asyncio.to_thread(sdk_client.execute, request)
    parsed: dict[str, Any] = json.loads(content)
    return parsed


def request(request_class: Any, biz: dict[str, Any], notify_url: str = "", return_url: str = "") -> Any:
    """An SDK request of request_class with biz as its biz_content."""
    sdk_request = request_class()
    sdk_request.biz_content = biz
    if notify_url:
        sdk_request.notify_url = notify_url
    if return_url:
        sdk_request.return_url = return_url
    return sdk_request


def notification_verifies(alipay_public_key: str, form: dict[str, str]) -> bool:
    """Whether a notification or return carries Alipay's signature, checked as the SDK would (sign, sign_type out)."""
    unsigned = {k: v for k, v in form.items() if k not in ("sign", "sign_type")}
    try:
        return bool(verify_with_rsa(alipay_public_key, get_sign_content(unsigned).encode(), form["sign"]))
    except rsa.VerificationError:
        return False
