"""The wechatpayv3 SDK for one merchant made async and honest: every call in a worker thread under a deadline,
every failure translated, and in certificate mode WeChat's new platform certificates learned when an answer to
our own request names one (never because of a callback)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import IO, Any, TypeVar

import anyio
import requests

from adapters.gateways.wechat.credentials import WeChatCredentials
from adapters.gateways.wechat.keys import TrustedKeys
from adapters.gateways.wechat.platform_certs import CertificatesRefused, certificates_answer, pem_of
from adapters.gateways.wechat.sdk import (
    UnknownSerial,
    UntrustedAnswer,
    build_sdk,
    fetch_certificates,
    fetch_into,
    trust,
)
from application.errors import ApplicationError, ProviderError, ProviderUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
Reply = tuple[int, str | bytes]  # what the SDK's calls return: (status, text for JSON, else bytes)
Call = Callable[[Any], Reply]  # a call on the SDK object
Keep = Callable[[list[str]], Awaitable[None]]  # stores newly trusted certificates (PEM) on the config


class WeChatClient:
    """The SDK object made async and honest: JSON answers, or ProviderError / ProviderUnavailable."""

    def __init__(self, credentials: WeChatCredentials, timeout: float, keys: TrustedKeys,
                 now: Callable[[], datetime], keep: Keep | None = None) -> None:
        self.timeout = timeout
        self.gateway_url = credentials.gateway_url.rstrip("/")
        self.renews = any(pem.strip() for pem in credentials.platform_cert_pems)  # certificate mode
        self.sdk = build_sdk(credentials, keys, timeout)
        self._keys, self._api_v3_key, self._now, self._keep = keys, credentials.api_v3_key, now, keep
        self._renewing = asyncio.Lock()

    async def json(self, what: str, call: Call) -> dict[str, Any] | None:
        """A call's JSON object (None for 204 or an empty body); errors raised with WeChat's code."""
        status, body = await self._signed(call)
        if not 200 <= status < 300:
            raise failure(what, status, body)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if not text.strip():
            return None
        try:
            answer = json.loads(text)
        except ValueError as e:
            raise ProviderError(f"WeChat's answer to {what} is not JSON") from e
        if not isinstance(answer, dict):
            raise ProviderError(f"WeChat's answer to {what} is not a JSON object")
        return answer

    async def download_into(self, what: str, path: str, into: IO[bytes]) -> None:
        """GET path (under the gateway URL) into a file, never held whole; a non-2xx answer raised as `failure`."""
        status, body = await self._in_thread(lambda sdk: fetch_into(sdk, path, into))
        if not 200 <= status < 300:
            raise failure(what, status, body)

    async def renew_certificates(self) -> int:
        """GET /v3/certificates and trust what checks out (platform_certs); how many certificates are new. New ones
        are kept on the config, so other processes and restarts trust them too."""
        async with self._renewing:
            status, headers, body = await self._in_thread(fetch_certificates)
            if not 200 <= status < 300:
                raise failure("the certificate download", status, body)
            try:
                certs = certificates_answer(headers, body, self._api_v3_key, self._keys.find, self._now())
            except CertificatesRefused as e:
                log.error("wechat_certificates_refused reason=%s", e)
                raise ProviderError(f"WeChat's platform certificates are not trusted: {e}") from e
            fresh = self._keys.learn(certs)
            trust(self.sdk, self._keys)
        if fresh:
            serials = [format(cert.serial_number, "X") for cert in fresh]
            log.warning("wechat_certificates_learned serials=%s", ",".join(serials))
            await self._kept([pem_of(cert) for cert in fresh], serials)
        return len(fresh)

    async def _kept(self, pems: list[str], serials: list[str]) -> None:
        if self._keep is None:
            return
        try:
            await self._keep(pems)
        except Exception:  # trusted in memory; the next process learns them again
            log.exception("wechat_certificates_not_stored serials=%s", ",".join(serials))

    async def _signed(self, call: Call) -> Reply:
        """The call; in certificate mode, an answer under an unknown serial renews the certificates and asks once
        more (WeChat takes a repeated order, refund or close with the same out_trade_no / out_refund_no as one)."""
        try:
            return await self._in_thread(call)
        except UnknownSerial as e:
            if not self.renews:
                raise ProviderError(str(e), wechatpay_serial=e.serial[:64]) from e
            await self.renew_certificates()
        try:
            return await self._in_thread(call)
        except UnknownSerial as again:  # not among what WeChat hands out: not a rotation paycore follows
            raise ProviderError(f"{again}, even after downloading WeChat's certificates",
                                wechatpay_serial=again.serial[:64]) from again

    async def _in_thread(self, call: Callable[[Any], T]) -> T:
        # requests' timeout bounds each connect and read; the deadline bounds the whole call.
        try:
            with anyio.fail_after(self.timeout * 2 + 1):
                return await anyio.to_thread.run_sync(self._guarded, call, abandon_on_cancel=True)
        except TimeoutError as e:
            raise ProviderUnavailable(f"WeChat Pay did not answer within {self.timeout:g} s") from e

    def _guarded(self, call: Callable[[Any], T]) -> T:
        """Runs in the worker thread: the SDK call, with what it raises translated."""
        try:
            return call(self.sdk)
        except (ApplicationError, UnknownSerial):
            raise
        except UntrustedAnswer as e:
            raise ProviderError(str(e)) from e
        except requests.RequestException as e:  # ConnectionError, Timeout, ...
            raise ProviderUnavailable(f"WeChat Pay could not be reached: {type(e).__name__}") from e
        except Exception as e:  # the SDK's own failures never escape raw
            log.warning("wechatpay_sdk_failed", exc_info=True)
            raise ProviderUnavailable(f"the WeChat Pay SDK failed: {type(e).__name__}") from e


def failure(what: str, status: int, body: str | bytes) -> ApplicationError:
    """A non-2xx answer as an application error: 5xx unavailable, else WeChat's code and message."""
    if status >= 500:
        return ProviderUnavailable(f"WeChat Pay answered {what} with HTTP {status}", status=status)
    code, message = _error_fields(body)
    return ProviderError(f"WeChat Pay refused {what}: {message or f'HTTP {status}'}", status=status,
                         provider_code=code, provider_message=message)


def _error_fields(body: str | bytes) -> tuple[str | None, str | None]:
    try:
        error = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (str(code) if code is not None else None), (str(message) if message is not None else None)
