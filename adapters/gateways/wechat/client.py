"""The wechatpayv3 SDK for one merchant: built with no network call, pinned to the configured keys,
every call in a worker thread under a deadline, every failure translated."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import anyio
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import WeChatPay, WeChatPayType

from adapters.gateways.wechat.credentials import WeChatCredentials
from adapters.gateways.wechat.keys import TrustedKeys, certificates, pkcs8_pem, serial_hex, spki_pem
from application.errors import ApplicationError, ProviderError, ProviderUnavailable

log = logging.getLogger(__name__)
Reply = tuple[int, str | bytes]  # what the SDK's calls return: (status, text for JSON, else bytes)
Call = Callable[[Any], Reply]  # a call on the SDK object


class UntrustedAnswer(Exception):
    """An answer whose signature does not verify with a configured key."""


def build_sdk(credentials: WeChatCredentials, timeout: float) -> Any:
    """The SDK object, made without any network call.

    The SDK's certificate mode downloads /v3/certificates inside `__init__`, so it is always constructed
    in public-key mode; certificate mode is then set by handing the core the configured certificates.
    """
    trusted = TrustedKeys.of(credentials)
    certs = certificates(credentials.platform_cert_pems)
    if trusted.public_key is not None:
        bootstrap_key, bootstrap_id = trusted.public_key, credentials.wechat_public_key_id
    else:
        cert_key = certs[0].public_key()
        assert isinstance(cert_key, rsa.RSAPublicKey)  # certificates() refuses other keys
        bootstrap_key, bootstrap_id = cert_key, serial_hex(certs[0])
    sdk = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=credentials.mchid,
                    private_key=pkcs8_pem(credentials.private_key_pem), cert_serial_no=credentials.cert_serial_no,
                    appid=credentials.appid, apiv3_key=credentials.api_v3_key,
                    notify_url=credentials.notify_url or None, timeout=(timeout, timeout),
                    public_key=spki_pem(bootstrap_key), public_key_id=bootstrap_id)
    core = sdk._core
    core._gate_way = credentials.gateway_url.rstrip("/")  # the SDK has no base-URL parameter
    if trusted.public_key is None:
        core._public_key, core._public_key_id = None, None  # certificate mode from here on
    core._certificates = certs
    _pin(core)
    return sdk


def _pin(core: Any) -> None:
    """Trust only the configured keys: an answer signed under an unknown serial makes the SDK refresh
    its certificates (an outbound call that also empties the list when it fails); refuse instead, and
    turn every verification failure into UntrustedAnswer."""
    sdk_verify = core._verify_signature

    def refuse_refresh() -> None:
        raise UntrustedAnswer("WeChat signed its answer under a serial paycore is not configured with")

    def verify(headers: Any, body: Any) -> bool:
        try:
            verified = sdk_verify(headers, body)
        except UntrustedAnswer:
            raise
        except Exception as e:  # a missing header, an unsupported type, a serial that is not hex ...
            raise UntrustedAnswer(f"WeChat's answer signature cannot be checked: {type(e).__name__}") from e
        if not verified:
            raise UntrustedAnswer("WeChat's answer signature does not verify")
        return True

    core._update_certificates = refuse_refresh
    core._verify_signature = verify


class WeChatClient:
    """The SDK object made async and honest: JSON answers, or ProviderError / ProviderUnavailable."""

    def __init__(self, credentials: WeChatCredentials, timeout: float) -> None:
        self.timeout = timeout
        self.gateway_url = credentials.gateway_url.rstrip("/")
        self.sdk = build_sdk(credentials, timeout)

    async def json(self, what: str, call: Call) -> dict[str, Any] | None:
        """A call's JSON object (None for 204 or an empty body); errors raised with WeChat's code."""
        status, body = await self._in_thread(call)
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

    async def raw(self, what: str, call: Call) -> bytes:
        """A call's body as bytes (an unsigned file download)."""
        status, body = await self._in_thread(call)
        if not 200 <= status < 300:
            raise failure(what, status, body)
        return body.encode("utf-8") if isinstance(body, str) else body

    async def _in_thread(self, call: Call) -> Reply:
        # requests' timeout bounds each connect and read; the deadline bounds the whole call.
        try:
            with anyio.fail_after(self.timeout * 2 + 1):
                return await anyio.to_thread.run_sync(self._guarded, call, abandon_on_cancel=True)
        except TimeoutError as e:
            raise ProviderUnavailable(f"WeChat Pay did not answer within {self.timeout:g} s") from e

    def _guarded(self, call: Call) -> Reply:
        """Runs in the worker thread: the SDK call, with what it raises translated."""
        try:
            return call(self.sdk)
        except ApplicationError:
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
