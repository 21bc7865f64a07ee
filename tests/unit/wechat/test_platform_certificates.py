"""GET /v3/certificates answers: what paycore trusts, and each way an answer is refused (no network: the answers are
built here as WeChat builds them, with real keys and AES-256-GCM)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.gateways.wechat.cert_store import with_certificates
from adapters.gateways.wechat.keys import TrustedKeys, serial_hex
from adapters.gateways.wechat.platform_certs import CertificatesRefused, certificates_answer
from application.records import PaymentConfig
from domain.kinds import PaymentType
from tests.integration.wechat.wire import API_V3_KEY, certificate
from tests.rsa_keys import KeyPair, key_pair

NOW = datetime.now(UTC)
OLD, NEW, STRANGER = 1, 4, 2  # tests.rsa_keys numbers: the configured certificate's key, the rotated one's, nobody's


def cert_of(n: int, serial: int, days: int = 365, start: datetime | None = None) -> str:
    """A self-signed platform certificate of key n."""
    keys = key_pair(n)
    return certificate(keys.public_pem, keys.pkcs8_pem, serial=serial, days=days, start=start)


def sealed(pem: str, api_v3_key: str = API_V3_KEY, serial: str | None = None) -> dict[str, object]:
    """One data[] item as WeChat writes it."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    nonce = "2d1e5f9a8c3b"
    ciphertext = AESGCM(api_v3_key.encode()).encrypt(nonce.encode(), pem.encode(), b"certificate")
    return {"serial_no": serial or serial_hex(cert), "effective_time": "2026-01-01T00:00:00+08:00",
            "expire_time": "2031-01-01T00:00:00+08:00", "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM", "nonce": nonce, "associated_data": "certificate",
                "ciphertext": base64.b64encode(ciphertext).decode()}}


def signed(items: list[dict[str, object]], signer: KeyPair, serial: int) -> tuple[dict[str, str], str]:
    """The answer's headers and body, signed by signer under serial."""
    body = json.dumps({"data": items})
    timestamp, nonce = str(int(NOW.timestamp())), "593BEC0C930BF1AFEB40B4A08C8FB242"
    key = serialization.load_pem_private_key(signer.pkcs8_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(f"{timestamp}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256())
    return {"wechatpay-signature": base64.b64encode(signature).decode(), "wechatpay-timestamp": timestamp,
            "wechatpay-nonce": nonce, "wechatpay-serial": format(serial, "X"),
            "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048"}, body


def trusting(pem: str) -> Callable[[str, datetime], rsa.RSAPublicKey | None]:
    """What a config trusts with this one certificate."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    return TrustedKeys("", None, {cert.serial_number: cert}).find


OLD_CERT, NEW_CERT = cert_of(OLD, 0x0A), cert_of(NEW, 0x0B)


def test_a_rotated_certificate_signed_by_the_trusted_one_is_trusted() -> None:
    headers, body = signed([sealed(OLD_CERT), sealed(NEW_CERT)], key_pair(OLD), 0x0A)

    found = certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)

    assert [c.serial_number for c in found] == [0x0A, 0x0B]


def test_an_answer_signed_by_the_new_certificate_it_delivers_is_trusted() -> None:
    headers, body = signed([sealed(OLD_CERT), sealed(NEW_CERT)], key_pair(NEW), 0x0B)

    assert [c.serial_number for c in certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)] == [
        0x0A, 0x0B]


def test_an_answer_signed_by_an_unknown_key_is_refused() -> None:
    headers, body = signed([sealed(NEW_CERT)], key_pair(STRANGER), 0x0C)

    with pytest.raises(CertificatesRefused, match="neither trusted nor one of the certificates"):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)


def test_an_answer_naming_a_trusted_serial_but_signed_by_another_key_is_refused() -> None:
    headers, body = signed([sealed(NEW_CERT)], key_pair(STRANGER), 0x0A)

    with pytest.raises(CertificatesRefused, match="does not verify"):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)


def test_a_certificate_encrypted_under_another_apiv3_key_is_refused() -> None:
    headers, body = signed([sealed(NEW_CERT, api_v3_key="0" * 32)], key_pair(OLD), 0x0A)

    with pytest.raises(CertificatesRefused, match="does not decrypt with the APIv3 key"):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)


def test_an_expired_certificate_is_dropped() -> None:
    expired = cert_of(NEW, 0x0D, days=10, start=NOW - timedelta(days=30))
    headers, body = signed([sealed(OLD_CERT), sealed(expired)], key_pair(OLD), 0x0A)

    assert [c.serial_number for c in certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)] == [
        0x0A]


def test_a_certificate_announced_under_another_serial_is_refused() -> None:
    headers, body = signed([sealed(NEW_CERT, serial="0C")], key_pair(OLD), 0x0A)

    with pytest.raises(CertificatesRefused, match="announced as serial"):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)


@pytest.mark.parametrize("body", ["not json", "{}", '{"data": []}', '{"data": ["x"]}'])
def test_an_answer_without_certificates_is_refused(body: str) -> None:
    headers, _ = signed([], key_pair(OLD), 0x0A)

    with pytest.raises(CertificatesRefused):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW)


def test_a_stale_answer_is_refused() -> None:
    headers, body = signed([sealed(NEW_CERT)], key_pair(OLD), 0x0A)

    with pytest.raises(CertificatesRefused, match="timestamp"):
        certificates_answer(headers, body, API_V3_KEY, trusting(OLD_CERT), NOW + timedelta(minutes=10))


def test_kept_certificates_add_their_serials_to_the_key_ids_and_drop_expired_ones() -> None:
    expired = cert_of(NEW, 0x0D, days=10, start=NOW - timedelta(days=30))
    config = PaymentConfig(config_id=7, payment_type=PaymentType.WECHAT, config_name="c",
                           settings={"wechat_platform_cert": OLD_CERT + expired,
                                     "wechat_public_key_id": "PUB_KEY_ID_01"},
                           key_ids=("PUB_KEY_ID_01", "A", "D"))

    kept = with_certificates(config, [NEW_CERT], NOW)

    assert kept.key_ids == ("PUB_KEY_ID_01", "A", "B")
    assert with_certificates(kept, [NEW_CERT], NOW) is kept  # once
