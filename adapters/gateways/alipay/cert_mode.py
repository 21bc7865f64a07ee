"""Certificate mode at run time: the keys of Alipay's certificates by SN, and trusting a rotated certificate.

When Alipay rotates its certificate, answers name a new alipay_cert_sn. The adapter then asks
`alipay.open.app.alipaycert.download` for it and trusts what comes back only once it chains to the root
certificate file the merchant configured (the download's own signature is by that same unknown certificate,
so the chain is the trust anchor, as in Alipay's Java SDK).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace

from adapters.gateways.alipay import certs
from adapters.gateways.alipay.credentials import CertificateMode


class UnknownAlipayCertificate(Exception):
    """An answer signed with an Alipay certificate this app does not know yet."""

    def __init__(self, sn: str) -> None:
        super().__init__(f"Alipay signed with certificate {sn!r}, which this config does not know")
        self.sn = sn


def certificate_mode(app_cert: str, alipay_cert: str, root_cert: str) -> CertificateMode:
    """The run-time certificate mode of a stored config (its texts were validated when stored)."""
    keys = dict(reversed(certs.keys_by_sn(alipay_cert).items()))  # the newest (appended last) first
    return CertificateMode(app_cert_sn=certs.cert_sn(certs.leaves(app_cert)[0]),
                           root_cert_sn=certs.root_cert_sn(root_cert),
                           alipay_keys=keys, root_cert=root_cert)


def downloaded_certificate(content: object, expected_sn: str, mode: CertificateMode) -> str:
    """The PEM of a certificate from alipay.open.app.alipaycert.download (`alipay_cert_content`: base64 of the
    PEM, with its intermediate), once it is the one asked for and chains to the root; CertificateError otherwise."""
    if not isinstance(content, str) or not content:
        raise certs.CertificateError("Alipay's certificate download has no alipay_cert_content",
                                     "支付宝证书下载应答中没有 alipay_cert_content")
    try:
        text = base64.b64decode(content, validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise certs.CertificateError("alipay_cert_content is not base64 of a PEM certificate",
                                     "alipay_cert_content 不是 PEM 证书的 base64") from e
    pem = certs.bundle([text])
    leaf = next((c for c in certs.leaves(pem) if certs.cert_sn(c) == expected_sn), None)
    if leaf is None:
        raise certs.CertificateError(f"the downloaded certificate is not {expected_sn!r}",
                                     f"下载的证书不是 {expected_sn!r}")
    certs.verify_chain(leaf, certs.load_certificates(pem),
                       certs.load_certificates(mode.root_cert, skip_unreadable=True))
    return pem


def learned(mode: CertificateMode, pem: str) -> CertificateMode:
    """The mode with a newly trusted certificate's key first."""
    return replace(mode, alipay_keys={**certs.keys_by_sn(pem), **mode.alipay_keys})
