"""The WebhookSender over httpx: one POST, 10 s at most, every failure returned rather than raised."""

from __future__ import annotations

import time
from collections.abc import Mapping

import httpx

from application.ports import SendResult

TIMEOUT_SECONDS = 10.0
SNIPPET_CHARS = 200
READ_BYTES = 4096


class HttpxWebhookSender:
    """POSTs webhooks with a shared AsyncClient (no redirects followed: a 3xx is not a delivery)."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._timeout, self._transport = timeout, transport
        self._client: httpx.AsyncClient | None = None

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """One attempt; a network error or timeout comes back as SendResult(None, …, error=…)."""
        started = time.perf_counter()
        try:
            async with self._http().stream("POST", url, content=body, headers=dict(headers)) as response:
                head = await _head(response)
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            return SendResult(None, time.perf_counter() - started, "", _describe(e))
        snippet = head.decode(response.encoding or "utf-8", "replace")[:SNIPPET_CHARS]
        return SendResult(response.status_code, time.perf_counter() - started, snippet)

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
