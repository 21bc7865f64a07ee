"""The WebhookSender over httpx: one POST, 10 s at most, every failure returned rather than raised."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Mapping

import httpx

from application.records import SendResult
from application.webhook_addresses import IpAddress, WebhookAddressPolicy

TIMEOUT_SECONDS = 10.0
SNIPPET_CHARS = 200
READ_BYTES = 4096


class HttpxWebhookSender:
    """POSTs webhooks with a shared AsyncClient (no redirects followed: a 3xx is not a delivery)."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS, transport: httpx.AsyncBaseTransport | None = None,
                 addresses: WebhookAddressPolicy | None = None) -> None:
        self._timeout, self._transport = timeout, transport
        self._addresses = addresses or WebhookAddressPolicy()
        self._client: httpx.AsyncClient | None = None

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """One attempt; a refused address, a network error or a timeout comes back as SendResult(None, …, error=…)."""
        started = time.perf_counter()
        refusal = await self._refusal(url)
        if refusal is not None:
            return SendResult(None, time.perf_counter() - started, "", f"refused: {refusal}"[:500])
        try:
            async with self._http().stream("POST", url, content=body, headers=dict(headers)) as response:
                head = await _head(response)
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            return SendResult(None, time.perf_counter() - started, "", _describe(e))
        snippet = head.decode(response.encoding or "utf-8", "replace")[:SNIPPET_CHARS]
        return SendResult(response.status_code, time.perf_counter() - started, snippet)

    async def _refusal(self, url: str) -> str | None:
        """Why the address must not be sent to, checked on what its host resolves to now."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return None  # httpx refuses it below, with its own message
        host = parsed.host
        try:
            addresses: list[IpAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                found = await asyncio.get_running_loop().getaddrinfo(host, parsed.port or 443,
                                                                     type=socket.SOCK_STREAM)
            except OSError as e:
                return f"{host} does not resolve ({e.strerror or type(e).__name__})"
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        return self._addresses.delivery_refusal(host, addresses)

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport,
                                             follow_redirects=False, headers={"User-Agent": "paycore-webhooks/1"})
        return self._client


async def _head(response: httpx.Response) -> bytes:
    """The start of the answer: enough for a snippet, without reading a huge body."""
    head = b""
    async for chunk in response.aiter_bytes():
        head += chunk
        if len(head) >= READ_BYTES:
            break
    return head


def _describe(error: httpx.HTTPError | httpx.InvalidURL) -> str:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "could not be sent"
    detail = str(error) or type(error).__name__
    return f"{kind}: {detail}"[:500]
