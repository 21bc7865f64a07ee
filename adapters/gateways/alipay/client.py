"""The SDK client for one app: every call in a worker thread, under a deadline, failures translated."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.exception.Exception import RequestException, ResponseException

from adapters.gateways.alipay import sdk
from adapters.gateways.alipay.credentials import AlipayCredentials
from adapters.gateways.alipay.signing import BadSignature, pkcs1_pem, spki_pem
from adapters.gateways.alipay.transport import Transport
from application.errors import ApplicationError, ProviderError, ProviderUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
# Threads that sign page-pay URLs: CPU work only (`cryptography` releases the GIL while it signs), so
# about one thread per core; calls that wait on Alipay use anyio's larger worker pool instead.
# Threads start on first use.
SIGNING = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="alipay-sign")


class AlipayClient:
    """alipay-sdk-python's DefaultAlipayClient for one app, made async, fast and honest about failures."""

    def __init__(self, credentials: AlipayCredentials, timeout: float) -> None:
        sdk.install()
        self.timeout = timeout
        self._transport = Transport(timeout)
        config = AlipayClientConfig()
        config.app_id = credentials.app_id
        config.app_private_key = pkcs1_pem(credentials.private_key_pem)  # the SDK's form, even if given PKCS#8
        config.alipay_public_key = spki_pem(credentials.alipay_public_key_pem)
        config.server_url = credentials.gateway_url
        config.sign_type = "RSA2"
        config.charset = "utf-8"
        config.timeout = timeout
        self._sdk = DefaultAlipayClient(config)

    async def execute(self, request: Any) -> dict[str, Any]:
        """Call an API method; Alipay's verified `<method>_response` object, whatever its code."""
        content = await self._in_thread(lambda: self._sdk.execute(request))
        try:
            answer = json.loads(content)
        except ValueError as e:
            raise ProviderError("Alipay's signed answer is not JSON") from e
        if not isinstance(answer, dict):
            raise ProviderError("Alipay's signed answer is not a JSON object")
        return answer

    async def page_url(self, request: Any) -> str:
        """The signed GET URL of a page-pay request (no network call), signed in one of the SIGNING threads."""
        return str(await self._in_signing_thread(lambda: self._sdk.page_execute(request, http_method="GET")))

    async def download(self, url: str) -> bytes:
        """GET a URL Alipay handed out (a bill), under the same transport rules."""
        return await self._in_thread(lambda: self._transport.get(url))

    def close(self) -> None:
        """Release pooled connections."""
        self._transport.close()

    async def _in_thread(self, call: Callable[[], T]) -> T:
        # The transport's timeout bounds each HTTP phase; the deadline bounds the whole call.
        try:
            with anyio.fail_after(self.timeout * 2 + 1):
                return await anyio.to_thread.run_sync(self._guarded, call, abandon_on_cancel=True)
        except TimeoutError as e:
            raise ProviderUnavailable(f"Alipay did not answer within {self.timeout:g} s") from e

    async def _in_signing_thread(self, call: Callable[[], T]) -> T:
        # Like _in_thread (a worker thread, the same deadline, abandoned if cancelled), in the small
        # signing pool: about half the CPU of anyio's to_thread with its cancel scope, on every create.
        context = contextvars.copy_context()
        try:
            async with asyncio.timeout(self.timeout * 2 + 1):
                return await asyncio.get_running_loop().run_in_executor(
                    SIGNING, context.run, self._guarded, call)
        except TimeoutError as e:
            raise ProviderUnavailable(f"Alipay did not answer within {self.timeout:g} s") from e

    def _guarded(self, call: Callable[[], T]) -> T:
        """Runs in the worker thread: route HTTP through our transport, translate what the SDK raises."""
        try:
            with sdk.using(self._transport):
                return call()
        except ApplicationError:
            raise
        except ResponseException as e:
            if isinstance(e.__context__, BadSignature):
                raise ProviderError("Alipay's answer signature does not verify") from e
            raise ProviderError("Alipay's answer has an unexpected shape") from e
        except RequestException as e:
            raise ProviderError("the request to Alipay could not be signed") from e
        except Exception as e:  # the SDK's own bugs (TypeError, TimeoutError, ...) never escape raw
            log.warning("alipay_sdk_failed", exc_info=True)
            raise ProviderUnavailable(f"the Alipay SDK failed: {type(e).__name__}") from e
