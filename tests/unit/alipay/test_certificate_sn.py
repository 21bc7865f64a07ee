"""Alipay's certificate SN rules, on Alipay's real certificates (public data, see tests/integration/alipay/certs).

The expected SNs were computed independently of this code, with the openssl command line
(`openssl x509 -noout -issuer -nameopt RFC2253`, the serial in decimal, md5sum); the root SN is the value
every Alipay SDK sends for the production root file.
"""

from __future__ import annotations

import base64
import warnings
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from cryptography import x509

from adapters.gateways.alipay import certs
from adapters.gateways.alipay.cert_mode import downloaded_certificate
from adapters.gateways.alipay.credentials import CertificateMode
from application.manage_configs import ConfigView, SecretState
from application.records import PRIVATE_KEY, PaymentConfig
from domain.kinds import PaymentType
from entrypoints.container import PROVIDERS
from entrypoints.http.config_schemas import ConfigShapes

CERTS = Path(__file__).parents[2] / "integration" / "alipay" / "certs"
ROOT = (CERTS / "alipayRootCert.crt").read_text()
ALIPAY = (CERTS / "alipayCertPublicKey_RSA2.crt").read_text()
APP = (CERTS / "appCertPublicKey_2021005122643016.crt").read_text()


def test_the_root_sn_is_the_one_alipay_expects() -> None:
    assert certs.root_cert_sn(ROOT) == "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"


def test_the_root_sn_skips_the_sm2_and_ecdsa_roots_but_keeps_sha1_and_sha256_rsa() -> None:
    blocks = certs.pem_blocks(ROOT)
    assert len(blocks) == 4
    assert certs.root_cert_sn(blocks[3]) == "02941eef3187dddf3d3b83462e1dfcf6"  # sha1WithRSAEncryption
    assert certs.root_cert_sn(blocks[1]) == "687b59193f3f462dd5336e5abf83c5d8"  # sha256WithRSAEncryption
    with pytest.raises(certs.CertificateError):
        certs.root_cert_sn(blocks[2])  # ecdsa-with-SHA384 only


def test_a_leaf_sn_is_md5_of_the_reversed_issuer_and_the_decimal_serial() -> None:
    (leaf,) = certs.leaves(ALIPAY)
    assert certs.issuer_text(leaf) == ("CN=Ant Financial Certification Authority Class 2 R1,"
                                       "OU=Certification Authority,O=Ant Financial,C=CN")
    assert certs.cert_sn(leaf) == "f51911a196031df9fdd0c1d7ca67bf26"
    assert certs.info(certs.leaves(APP)[0]).sn == "fc04d815da51e5d833da90875d02672f"


def test_the_alipay_file_s_intermediate_is_not_taken_for_the_leaf() -> None:
    assert len(certs.load_certificates(ALIPAY)) == 2
    assert [certs.cert_sn(c) for c in certs.leaves(ALIPAY)] == ["f51911a196031df9fdd0c1d7ca67bf26"]


def test_the_real_alipay_certificate_chains_to_the_real_root() -> None:
    chain = certs.load_certificates(ALIPAY)
    roots = certs.load_certificates(ROOT, skip_unreadable=True)
    certs.verify_chain(chain[0], chain[1:], roots, now=datetime(2026, 12, 2, tzinfo=UTC))


def test_a_certificate_from_another_chain_or_out_of_date_is_not_trusted() -> None:
    roots = certs.load_certificates(ROOT, skip_unreadable=True)
    with pytest.raises(certs.CertificateError, match="not issued by a trusted root"):
        certs.verify_chain(certs.leaves(APP)[0], [], roots)  # its Class 1 R1 intermediate is not given
    chain = certs.load_certificates(ALIPAY)
    with pytest.raises(certs.CertificateError, match="not valid at"):
        certs.verify_chain(chain[0], chain[1:], roots, now=datetime(2031, 1, 1, tzinfo=UTC))


def test_an_unreadable_root_is_skipped_not_fatal_and_garbage_is_refused_plainly() -> None:
    broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert certs.root_cert_sn(broken + ROOT) == certs.root_cert_sn(ROOT)
    with pytest.raises(certs.CertificateError, match="cannot be read"):
        certs.load_certificates(broken)
    with pytest.raises(certs.CertificateError, match="no PEM certificate"):
        certs.load_certificates("MIIB...")


def test_escaped_newlines_and_crlf_are_accepted() -> None:
    assert certs.root_cert_sn(ROOT.replace("\n", "\\n")) == certs.root_cert_sn(ROOT.replace("\n", "\r\n"))


def _mode(root: str) -> CertificateMode:
    return CertificateMode(app_cert_sn="", root_cert_sn="", alipay_keys={}, root_cert=root)


def test_a_downloaded_certificate_is_trusted_only_if_it_is_the_one_asked_for_and_chains_to_the_root() -> None:
    content = base64.b64encode(ALIPAY.encode()).decode()
    assert "BEGIN CERTIFICATE" in downloaded_certificate(content, "f51911a196031df9fdd0c1d7ca67bf26", _mode(ROOT))
    with pytest.raises(certs.CertificateError, match="is not"):
        downloaded_certificate(content, "0" * 32, _mode(ROOT))
    with pytest.raises(certs.CertificateError, match="trusted root"):  # another root file: an impostor's CA
        downloaded_certificate(content, "f51911a196031df9fdd0c1d7ca67bf26", _mode(certs.pem_blocks(ROOT)[3]))
    with pytest.raises(certs.CertificateError):
        downloaded_certificate("", "f51911a196031df9fdd0c1d7ca67bf26", _mode(ROOT))


def test_a_config_whose_stored_certificates_no_longer_read_is_still_shown() -> None:
    unreadable = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
    broken = PaymentConfig(101, PaymentType.ALIPAY, "old",
                           settings={"app_cert": unreadable, "alipay_cert": ALIPAY, "alipay_root_cert": ROOT})
    states = {PRIVATE_KEY: SecretState(False)}
    shapes = ConfigShapes(PROVIDERS)
    shown = msgspec.to_builtins(shapes.view(ConfigView(broken, states)))
    assert (shown["app_cert_sn"], shown["certificates"]) == ("", [])
    good = msgspec.to_builtins(shapes.view(ConfigView(broken.with_setting("app_cert", APP), states)))
    assert good["app_cert_sn"] == "fc04d815da51e5d833da90875d02672f"
    assert [(c["field"], c["not_after"][:19]) for c in good["certificates"]][:2] == [
        ("app_cert", "2030-03-08T05:11:56"), ("alipay_cert", "2030-03-01T05:51:44")]  # as `openssl x509 -enddate`
    assert {c["field"] for c in good["certificates"]} == {"app_cert", "alipay_cert", "alipay_root_cert"}
    assert "PRIVATE" not in msgspec.json.encode(good).decode()


def test_cryptographys_warning_about_a_certificate_is_silenced_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Some Alipay roots carry NULL signature parameters, which `cryptography` warns about (and may one day
    refuse): run with warnings as errors, reading such a certificate still gives the certificate."""
    real = x509.load_pem_x509_certificate

    def warning_load(data: bytes) -> x509.Certificate:
        warnings.warn("Parsed a NULL parameter in the signature algorithm", DeprecationWarning, stacklevel=2)
        return real(data)

    monkeypatch.setattr(x509, "load_pem_x509_certificate", warning_load)  # the module certs reads it from
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(certs.load_certificates(ALIPAY)) == len(certs.pem_blocks(ALIPAY))
        assert certs.root_cert_sn(ROOT) == "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
