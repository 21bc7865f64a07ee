"""The SDK client for one app: every call in a worker thread, under a deadline, failures translated."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import IO, Any, TypeVar

import anyio
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayOpenAppAlipaycertDownloadModel import AlipayOpenAppAlipaycertDownloadModel
from alipay.aop.api.exception.Exception import RequestException, ResponseException
from alipay.aop.api.request.AlipayOpenAppAlipaycertDownloadRequest import AlipayOpenAppAlipaycertDownloadRequest

from adapters.gateways.alipay import sdk
from adapters.gateways.alipay.cert_mode import UnknownAlipayCertificate, downloaded_certificate, learned
from adapters.gateways.alipay.certs import CertificateError
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
# At most one download a notification asks for, per app and process, in this many seconds: anyone can post a
# notification naming a certificate, so a flood of them costs Alipay one call a minute, not one each.
NOTIFIED_LEARN_INTERVAL = 60.0


class AlipayClient:
    """alipay-sdk-python's DefaultAlipayClient for one app, made async, fast and honest about failures."""

    def __init__(self, credentials: AlipayCredentials, timeout: float,
                 on_certificate: Callable[[str], Awaitable[None]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        sdk.install()
        self.timeout = timeout
        self.mode = credentials.certificates  # certificate mode: grows as Alipay rotates its certificate
        self._on_certificate = on_certificate
        self._monotonic, self._notified_at = monotonic, -NOTIFIED_LEARN_INTERVAL
        self._learning = asyncio.Lock()
        self._transport = Transport(timeout)
        config = AlipayClientConfig()
        config.app_id = credentials.app_id
        config.app_private_key = pkcs1_pem(credentials.private_key_pem)  # the SDK's form, even if given PKCS#8
        config.alipay_public_key = spki_pem(credentials.alipay_public_key_pem if self.mode is None
                                            else next(iter(self.mode.alipay_keys.values())))
        config.server_url = credentials.gateway_url
        config.sign_type = "RSA2"
        config.charset = "utf-8"
        config.timeout = timeout
        self._sdk = DefaultAlipayClient(config)

    async def execute(self, request: Any) -> dict[str, Any]:
        """Call an API method; Alipay's verified `<method>_response` object, whatever its code."""
        try:
            content = await self._in_thread(lambda: self._sdk.execute(self._stamped(request)))
        except UnknownAlipayCertificate as e:  # Alipay rotated its certificate: learn the new one, ask again
            await self._learn(e.sn)
            try:
                content = await self._in_thread(lambda: self._sdk.execute(self._stamped(request)))
            except UnknownAlipayCertificate as again:  # another unknown one at once: not a rotation we follow
                raise ProviderError(f"Alipay signed with certificate {again.sn!r}, which this config does not "
                                    "trust", alipay_cert_sn=again.sn) from again
        try:
            answer = json.loads(content)
        except ValueError as e:
            raise ProviderError("Alipay's signed answer is not JSON") from e
        if not isinstance(answer, dict):
            raise ProviderError("Alipay's signed answer is not a JSON object")
        return answer

    async def page_url(self, request: Any) -> str:
        """The signed GET URL of a page-pay request (no network call), signed in one of the SIGNING threads."""
        return str(await self._in_signing_thread(
            lambda: self._sdk.page_execute(self._stamped(request), http_method="GET")))

    async def download(self, url: str) -> bytes:
        """GET a URL Alipay handed out (a bill), under the same transport rules."""
        return await self._in_thread(lambda: self._transport.get(url))

    async def download_into(self, url: str, into: IO[bytes]) -> None:
        """The same, written into a file a chunk at a time."""
        await self._in_thread(lambda: self._transport.get_into(url, into))

    def close(self) -> None:
        """Release pooled connections."""
        self._transport.close()

    def _stamped(self, request: Any) -> Any:
        """In certificate mode, every request names the app's and the root's certificate SNs (signed with it)."""
        if self.mode is not None:
            request.add_other_text_param("app_cert_sn", self.mode.app_cert_sn)
            request.add_other_text_param("alipay_root_cert_sn", self.mode.root_cert_sn)
        return request

    async def learn_named(self, sn: str) -> bool:
        """Learn the certificate `sn` a notification names (unauthenticated: it is trusted only through the root,
        like any download), at most once per NOTIFIED_LEARN_INTERVAL; whether it is now known."""
        async with self._learning:  # notifications naming the new certificate at once: one download
            if self.mode is None or sn in self.mode.alipay_keys:
                return self.mode is not None
            now = self._monotonic()
            if now - self._notified_at < NOTIFIED_LEARN_INTERVAL:
                log.warning("alipay_certificate_not_asked", extra={"alipay_cert_sn": sn})
                return False
            self._notified_at = now
            try:
                await self._learn(sn)
            except (ProviderError, ProviderUnavailable) as e:
                log.warning("alipay_certificate_not_learned", extra={"alipay_cert_sn": sn, "reason": str(e)})
                return False
            return True

    async def _learn(self, sn: str) -> None:
        """Download Alipay's certificate `sn`, trust it once it chains to the root, keep it (and tell the owner)."""
        assert self.mode is not None
        model = AlipayOpenAppAlipaycertDownloadModel()
        model.alipay_cert_sn = sn
        request = self._stamped(AlipayOpenAppAlipaycertDownloadRequest(biz_model=model))
        content = await self._in_thread(lambda: self._sdk.execute(request), trust_chain=True)
        try:
            payload = json.loads(content) if content else {}
        except ValueError:
            payload = {}
        if not isinstance(payload, dict) or payload.get("code") != "10000":
            raise ProviderError(f"Alipay signed with an unknown certificate {sn!r} and would not hand it out",
                                alipay_cert_sn=sn)
        try:
            pem = downloaded_certificate(payload.get("alipay_cert_content"), sn, self.mode)
        except CertificateError as e:
            log.error("alipay_certificate_refused", extra={"alipay_cert_sn": sn, "reason": str(e)})
            raise ProviderError(f"Alipay's new certificate {sn!r} is not trusted: {e}", alipay_cert_sn=sn) from e
        self.mode = learned(self.mode, pem)
        log.warning("alipay_certificate_learned", extra={"alipay_cert_sn": sn})
        if self._on_certificate is not None:
            try:
                await self._on_certificate(pem)
            except Exception:  # kept in memory; the next process learns it again
                log.exception("alipay_certificate_not_stored", extra={"alipay_cert_sn": sn})

    async def _in_thread(self, call: Callable[[], T], *, trust_chain: bool = False) -> T:
        # The transport's timeout bounds each HTTP phase; the deadline bounds the whole call.
        try:
            with anyio.fail_after(self.timeout * 2 + 1):
                return await anyio.to_thread.run_sync(partial(self._guarded, call, trust_chain=trust_chain),
                                                      abandon_on_cancel=True)
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

    def _guarded(self, call: Callable[[], T], *, trust_chain: bool = False) -> T:
        """Runs in the worker thread: route HTTP through our transport, translate what the SDK raises."""
        keys = self.mode.alipay_keys if self.mode is not None else None
        try:
            with sdk.using(self._transport, keys, trust_chain=trust_chain):
                return call()
        except (ApplicationError, UnknownAlipayCertificate):
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
