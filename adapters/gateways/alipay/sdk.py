"""Wires paycore's signer, verifier, transport and Beijing clock into the SDK's call path, once.

`alipay.aop.api.DefaultAlipayClient` does `from ...SignatureUtils import *` (and WebUtils), so the
names it calls are its own module globals: replacing them there changes every SDK call and nothing
else. Each replacement keeps the signature of the function it replaces.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timezone
from types import SimpleNamespace
from typing import Any

import alipay.aop.api.DefaultAlipayClient as sdk_client
from alipay.aop.api.util.WebUtils import url_encode

from adapters.gateways.alipay.cert_mode import UnknownAlipayCertificate
from adapters.gateways.alipay.signing import sign_rsa2, verify_rsa2
from adapters.gateways.alipay.transport import Transport
from application.errors import ProviderError, ProviderUnavailable
from domain.beijing import BEIJING

_local = threading.local()
_STATE = ("transport", "alipay_keys", "trust_chain", "verify_key")
_CERT_SN = re.compile(rb'(\})\s*,\s*"alipay_cert_sn"\s*:\s*"[^"]*"(?=\s*,\s*"sign")')
_install_lock = threading.Lock()


def sign_with_rsa2(private_key: str, sign_content: str, charset: str) -> str:
    """The SDK's RSA2 signer, with `cryptography` instead of pure-Python `rsa`."""
    return sign_rsa2(private_key, sign_content, charset)


def verify_with_rsa(public_key: str, message: bytes, sign: str) -> bool:
    """The SDK's response verifier (RSA2 only); raises BadSignature like `rsa.verify` raises.

    In certificate mode the key is that of the certificate the answer named (chosen by `checked_answer`); an
    answer trusted by its certificate chain instead (a certificate download) is not verified here."""
    if getattr(_local, "trust_chain", False):
        return True
    return verify_rsa2(getattr(_local, "verify_key", None) or public_key, message, sign)


def do_post(url: str, query_string: str | None = None, headers: Mapping[str, str] | None = None,
            params: Mapping[str, Any] | None = None, charset: str = "utf-8", timeout: float = 15) -> bytes:
    """The SDK's HTTP POST through the adapter's transport: port honoured, failures as application errors."""
    body = url_encode(params, charset) if params else None
    transport: Transport | None = getattr(_local, "transport", None)
    if transport is not None:
        return checked_answer(transport.post(url, query_string, headers, body, charset), charset)
    transport = Transport(timeout)  # an SDK call made outside AlipayGateway: same rules, no pool
    try:
        return checked_answer(transport.post(url, query_string, headers, body, charset), charset)
    finally:
        transport.close()


def checked_answer(answer: bytes, charset: str = "utf-8") -> bytes:
    """Refuse garbage before the SDK parses it; turn an unsigned error answer into ProviderError."""
    try:
        document = json.loads(answer.decode(charset))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProviderUnavailable("Alipay answered something that is not JSON") from e
    if not isinstance(document, dict):
        raise ProviderUnavailable("Alipay answered JSON that is not an object")
    if "sign" not in document:  # Alipay does not sign some errors (a bad app id, a bad request signature)
        payload = next((v for k, v in document.items() if k.endswith("_response") and isinstance(v, dict)), {})
        if payload.get("code") not in (None, "10000"):
            raise ProviderError(f"Alipay refused the request: {payload.get('sub_msg') or payload.get('msg')}",
                                **{k: payload.get(k) for k in ("code", "msg", "sub_code", "sub_msg")})
        raise ProviderError("Alipay's answer is not signed")
    keys: Mapping[str, str] | None = getattr(_local, "alipay_keys", None)
    if keys is None:
        return answer
    sn = document.get("alipay_cert_sn")
    if not getattr(_local, "trust_chain", False):
        if not isinstance(sn, str) or not sn:
            raise ProviderError("Alipay's answer names no alipay_cert_sn, which certificate mode requires")
        if sn not in keys:
            raise UnknownAlipayCertificate(sn)
        _local.verify_key = keys[sn]
    # The SDK finds the signed text as what lies between `"…_response":` and `},"sign":`; Alipay writes
    # alipay_cert_sn between the two, so take it out of the way (the signature covers only the response object).
    return _CERT_SN.sub(rb"\1", answer, count=1)


@contextmanager
def using(transport: Transport, alipay_keys: Mapping[str, str] | None = None, *,
          trust_chain: bool = False) -> Iterator[None]:
    """Route this thread's SDK HTTP calls through `transport`; in certificate mode, verify answers with the key
    of the certificate they name (`alipay_keys`: SN → key), or not at all for an answer trusted by its chain."""
    previous = tuple(getattr(_local, name, None) for name in _STATE)
    _local.transport, _local.alipay_keys, _local.trust_chain, _local.verify_key = (
        transport, alipay_keys, trust_chain, None)
    try:
        yield
    finally:
        for name, value in zip(_STATE, previous, strict=True):
            setattr(_local, name, value)


class _BeijingDatetime:
    """Stands in for `datetime.datetime` in the SDK module: its only use is the request timestamp."""

    @staticmethod
    def now(tz: timezone | None = None) -> datetime:
        return datetime.now(tz or BEIJING)

    @staticmethod
    def utcnow() -> datetime:
        return datetime.now(UTC)


def install() -> None:
    """Replace the SDK module's signer, verifier, HTTP helper and clock; safe to call any number of times."""
    with _install_lock:
        sdk_client.sign_with_rsa2 = sign_with_rsa2
        sdk_client.verify_with_rsa = verify_with_rsa
        sdk_client.do_post = do_post
        # The SDK stamps requests with datetime.datetime.now(), the host's local time; Alipay reads the
        # timestamp as Beijing time, so a UTC host would be 8 hours off.
        sdk_client.datetime = SimpleNamespace(datetime=_BeijingDatetime)
