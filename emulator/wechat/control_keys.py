"""The control API's keys (`/_control/wechat/...`): WeChat Pay's public key, its platform certificates, and their
rotation."""

from __future__ import annotations

from typing import Any

from litestar import get, post

from emulator.wechat import wire
from emulator.wechat.inject import WeChat
from emulator.wechat.platform import PlatformCertificate


def certificate_json(cert: PlatformCertificate) -> dict[str, str]:
    """A platform certificate as the control API shows it."""
    return {"serial_no": cert.serial_no, "certificate": cert.pem,
            "effective_time": wire.rfc3339(cert.certificate.not_valid_before_utc),
            "expire_time": wire.rfc3339(cert.certificate.not_valid_after_utc)}


@get("/public-key")
async def public_key(wechat: WeChat) -> dict[str, str]:
    """WeChat Pay's public key and its id, which merchants configure in public-key mode."""
    return {"public_key_id": wechat.platform.public_key_id, "public_key": wechat.platform.public_key_pem}


@get("/certificate")
async def certificate(wechat: WeChat) -> dict[str, Any]:
    """The platform certificate that signs now and its serial, for certificate mode (also served, with the others
    still valid, by /v3/certificates), and every valid one."""
    return {**certificate_json(wechat.platform.current),
            "certificates": [certificate_json(c) for c in wechat.platform.certificates]}


@post("/rotate-certificate", status_code=200)
async def rotate_certificate(wechat: WeChat) -> dict[str, Any]:
    """Issue a new platform certificate, as WeChat does before the old one expires: it signs every answer and
    callback of certificate-mode merchants from now on; the previous one stays valid and listed (the overlap)."""
    previous = wechat.platform.current
    rotated = wechat.platform.rotate_certificate()
    return {**certificate_json(rotated), "previous_serial_no": previous.serial_no}
