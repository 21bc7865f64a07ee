"""The wechatpayv3 SDK object for one merchant: built with no network call and pinned to the keys paycore trusts.

The SDK's own certificate handling is never used: it downloads /v3/certificates inside `__init__`, on any unknown
`Wechatpay-Serial` (callbacks included) and without checking the answer's signature or timestamp. paycore keeps the
certificates itself (keys.TrustedKeys, platform_certs) and hands them to the SDK's core.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO, Any

import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization

from adapters.gateways.wechat.credentials import WeChatCredentials
from adapters.gateways.wechat.keys import TrustedKeys, pkcs8_pem, serial_hex, spki_pem
from adapters.gateways.wechat.platform_certs import PATH

Fetched = tuple[int, dict[str, str], str]  # status, headers (lower-case names), text
CHUNK = 64 * 1024  # a streamed download is written a chunk at a time
ERROR_BYTES = 64 * 1024  # at most this much of a refused download's body is read (WeChat's error JSON)


class UntrustedAnswer(Exception):
    """An answer whose signature does not verify with a trusted key."""


class UnknownSerial(UntrustedAnswer):
    """An answer signed under a platform certificate serial this config does not know (yet)."""

    def __init__(self, serial: str) -> None:
        super().__init__(f"WeChat signed its answer under serial {serial[:64]!r}, which this config does not trust")
        self.serial = serial


def build_sdk(credentials: WeChatCredentials, keys: TrustedKeys, timeout: float) -> Any:
    """The SDK object, made without any network call: always constructed in public-key mode, then switched to
    certificate mode by handing its core the trusted certificates."""
    certs = keys.certificates()
    if keys.public_key is not None:
        bootstrap_key, bootstrap_id = keys.public_key, credentials.wechat_public_key_id
    else:
        cert_key = certs[-1].public_key()
        assert isinstance(cert_key, rsa.RSAPublicKey)  # certificates() refuses other keys
        bootstrap_key, bootstrap_id = cert_key, serial_hex(certs[-1])
    sdk = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=credentials.mchid,
                    private_key=pkcs8_pem(credentials.private_key_pem), cert_serial_no=credentials.cert_serial_no,
                    appid=credentials.appid, apiv3_key=credentials.api_v3_key,
                    notify_url=credentials.notify_url or None, timeout=(timeout, timeout),
                    public_key=spki_pem(bootstrap_key), public_key_id=bootstrap_id)
    core = sdk._core
    core._gate_way = credentials.gateway_url.rstrip("/")  # the SDK has no base-URL parameter
    if keys.public_key is None:
        core._public_key, core._public_key_id = None, None  # certificate mode from here on
    core._certificates = certs
    _pin(core, keys)
    return sdk


def trust(sdk: Any, keys: TrustedKeys) -> None:
    """Hand the SDK the trusted certificates as they are now (one assignment: a thread may be reading the list)."""
    sdk._core._certificates = keys.certificates()


def fetch_certificates(sdk: Any) -> Fetched:
    """GET /v3/certificates, signed by the merchant as the SDK signs, with the answer's headers (the SDK drops
    them); runs in a worker thread."""
    core = sdk._core
    authorization = build_authorization(PATH, "GET", core._mchid, core._cert_serial_no, core._private_key)
    response = requests.get(core._gate_way + PATH, timeout=core._timeout, headers={
        "Authorization": authorization, "Accept": "application/json", "User-Agent": "paycore (wechatpayv3)"})
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.text


def fetch_into(sdk: Any, path: str, into: IO[bytes]) -> tuple[int, bytes]:
    """GET path (a bill download), signed as the SDK signs, written into a file a chunk at a time (the SDK's
    download_bill holds the whole answer); runs in a worker thread. The status, and the body of a non-2xx answer
    (WeChat's error, small) for the caller to translate; a 2xx answer's body went into the file."""
    core = sdk._core
    authorization = build_authorization(path, "GET", core._mchid, core._cert_serial_no, core._private_key)
    with requests.get(core._gate_way + path, timeout=core._timeout, stream=True, headers={
            "Authorization": authorization, "Accept": "*/*", "User-Agent": "paycore (wechatpayv3)"}) as response:
        if not 200 <= response.status_code < 300:
            return response.status_code, response.raw.read(ERROR_BYTES, decode_content=True)
        for chunk in response.iter_content(CHUNK):
            into.write(chunk)
        return response.status_code, b""


def _pin(core: Any, keys: TrustedKeys) -> None:
    """Trust only the keys paycore trusts: an answer under a certificate serial they do not hold (or whose
    certificate is not valid now, as for callbacks) raises UnknownSerial before the SDK can refresh its
    certificates itself (an unchecked outbound call that also empties the list when it fails), and every other
    verification failure is UntrustedAnswer."""
    sdk_verify = core._verify_signature

    def refuse_refresh() -> None:
        raise UntrustedAnswer("WeChat signed its answer under a serial paycore does not trust")

    def verify(headers: Any, body: Any) -> bool:
        serial = str(headers.get("Wechatpay-Serial", ""))
        if _certificate_serial(serial) and serial != core._public_key_id and keys.find(serial, utc_now()) is None:
            raise UnknownSerial(serial)
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


def _certificate_serial(serial: str) -> bool:
    """Whether the serial could name a certificate (anything else is left to the SDK's check, which refuses it)."""
    return 0 < len(serial) <= 64 and all(c in "0123456789abcdefABCDEF" for c in serial)


def utc_now() -> datetime:
    """The current aware UTC time."""
    return datetime.now(UTC)
