"""An Alipay certificate-mode config is checked with each certificate file read once."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from adapters.crypto.keys import RsaKeyInspector
from adapters.gateways.alipay.config import AlipayConfigRules
from emulator.alipay.ca import CertificateAuthority
from tests.rsa_keys import key_pair


def test_a_certificate_mode_config_reads_each_certificate_once(monkeypatch: pytest.MonkeyPatch) -> None:
    keys, alipay_key = key_pair(5), key_pair(6)
    ca = CertificateAuthority()
    app_public = serialization.load_pem_public_key(keys.public_pem.encode())
    app_cert, _ = ca.issue_app("2021000000000001", app_public)  # type: ignore[arg-type]
    alipay_sn = ca.issue_alipay(serialization.load_pem_private_key(  # type: ignore[arg-type]
        alipay_key.pkcs1_pem.encode(), None))
    fields: dict[str, Any] = {"payment_type": "alipay", "config_name": "cert", "app_id": "2021000000000001",
                              "private_key": keys.pkcs1_pem, "app_cert": app_cert,
                              "alipay_cert": ca.alipay_certs[alipay_sn], "alipay_root_cert": ca.root_file}
    blocks = 1 + 2 + 2  # the app certificate, Alipay's with its intermediate, the ECDSA and the RSA roots
    reads: list[bytes] = []
    real = x509.load_pem_x509_certificate

    def counted(data: bytes, *args: Any) -> x509.Certificate:
        reads.append(data)
        return real(data, *args)

    monkeypatch.setattr(x509, "load_pem_x509_certificate", counted)
    AlipayConfigRules(RsaKeyInspector()).normalise(fields)
    assert len(reads) == blocks  # before: 12, each file parsed two or three times per check
    assert fields["alipay_root_cert"].count("BEGIN CERTIFICATE") == 2
