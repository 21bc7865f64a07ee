"""The AES-GCM secret box: bound to its context, rotatable, and silent about keys and plaintext."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.crypto.master_keys import MasterKey, MasterKeyError
from adapters.crypto.secret_box import AesGcmSecretBox
from application.errors import SecretUnreadable
from application.ports.crypto import SecretBox

OLD = MasterKey("k1", bytes(range(32)))
NEW = MasterKey("k2", bytes(range(100, 132)))
IMPOSTOR = MasterKey("k1", bytes(range(50, 82)))  # same id as OLD, other bytes
CTX = "ai_write_payment_config:7:api_v3_key"
SECRET = "0123456789abcdef0123456789abcdef"
BOX = AesGcmSecretBox([OLD])


def test_a_sealed_secret_opens_to_itself() -> None:
    sealed = BOX.seal(SECRET, CTX)
    assert sealed.startswith("pc1:k1:")
    assert SECRET not in sealed
    assert BOX.open(sealed, CTX) == SECRET


def test_the_box_is_a_secret_box() -> None:
    box: SecretBox = BOX
    assert box.is_current(box.seal("x", CTX))


def test_a_wrong_context_does_not_open() -> None:
    with pytest.raises(SecretUnreadable, match="does not open this secret") as caught:
        BOX.open(BOX.seal(SECRET, CTX), "ai_write_payment_config:7:api_key")
    assert caught.value.extra == {"key_id": "k1"}


def test_a_ciphertext_copied_from_another_row_does_not_open() -> None:
    other_row = BOX.seal(SECRET, "ai_write_payment_config:8:api_v3_key")
    with pytest.raises(SecretUnreadable, match="copied from another row or tampered with"):
        BOX.open(other_row, CTX)


def test_a_tampered_byte_does_not_open() -> None:
    prefix, key_id, body = BOX.seal(SECRET, CTX).split(":")
    blob = bytearray(base64.urlsafe_b64decode(body))
    blob[20] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(SecretUnreadable, match="master key 'k1' does not open this secret"):
        BOX.open(tampered, CTX)


def test_an_old_key_still_opens_after_a_newer_key_is_prepended() -> None:
    sealed_before = BOX.seal(SECRET, CTX)
    rotated = AesGcmSecretBox([NEW, OLD])
    assert rotated.open(sealed_before, CTX) == SECRET
    assert not rotated.is_current(sealed_before)
    resealed = rotated.seal(SECRET, CTX)
    assert resealed.startswith("pc1:k2:")
    assert rotated.is_current(resealed)


def test_a_missing_key_id_is_named() -> None:
    sealed = AesGcmSecretBox([NEW]).seal(SECRET, CTX)
    with pytest.raises(SecretUnreadable) as caught:
        BOX.open(sealed, CTX)
    assert caught.value.message == (
        "sealed under master key 'k2', which PAYCORE_MASTER_KEYS does not hold; add it (or rotate before removing it)")
    assert caught.value.extra == {"key_id": "k2"}


def test_a_wrong_key_with_the_same_id_does_not_open() -> None:
    with pytest.raises(SecretUnreadable, match="the key is wrong") as caught:
        AesGcmSecretBox([IMPOSTOR]).open(BOX.seal(SECRET, CTX), CTX)
    assert caught.value.extra == {"key_id": "k1"}


@pytest.mark.parametrize("value", [SECRET, "", "pc1:k1", "pc1:k1:", "pc1:k1:!!!", "pc1:k1:AAAA", "pc2:k1:" + "A" * 40,
                                   "pc1:bad id:" + "A" * 40])
def test_a_value_that_is_not_sealed_is_said_so_without_echoing_it(value: str) -> None:
    with pytest.raises(SecretUnreadable, match="not a sealed value") as caught:
        BOX.open(value, CTX)
    assert SECRET not in str(caught.value)
    assert "bad id" not in str(caught.value)
    assert not BOX.is_current(value)


def test_two_seals_of_the_same_plaintext_use_different_nonces() -> None:
    first, second = (base64.urlsafe_b64decode(BOX.seal(SECRET, CTX).split(":")[2]) for _ in range(2))
    assert first[:12] != second[:12]
    assert first != second


def test_the_fingerprint_is_stable_and_differs_per_secret() -> None:
    assert BOX.fingerprint(SECRET) == AesGcmSecretBox([OLD]).fingerprint(SECRET)
    assert BOX.fingerprint(SECRET) != BOX.fingerprint(SECRET + "x")
    assert BOX.fingerprint(SECRET).startswith("sha256:")
    assert len(BOX.fingerprint(SECRET)) == len("sha256:") + 64


def test_the_fingerprint_is_not_a_plain_hash_nor_keyed_by_the_raw_master_key() -> None:
    fingerprint = BOX.fingerprint(SECRET).removeprefix("sha256:")
    assert fingerprint != hashlib.sha256(SECRET.encode()).hexdigest()
    assert fingerprint != hmac.new(OLD.key, SECRET.encode(), hashlib.sha256).hexdigest()
    assert fingerprint != AesGcmSecretBox([NEW]).fingerprint(SECRET).removeprefix("sha256:")


def test_the_fingerprint_follows_the_first_master_key() -> None:
    assert AesGcmSecretBox([OLD, NEW]).fingerprint(SECRET) == BOX.fingerprint(SECRET)


def test_repr_shows_key_ids_and_no_key_bytes() -> None:
    text = repr(AesGcmSecretBox([NEW, OLD]))
    assert text == "AesGcmSecretBox(key_ids=['k2', 'k1'])"
    for key in (NEW, OLD):
        assert key.key.hex() not in text
        assert base64.b64encode(key.key).decode() not in text
        assert str(key.key) not in text


def test_a_box_needs_a_master_key() -> None:
    with pytest.raises(MasterKeyError, match="no master key"):
        AesGcmSecretBox([])


def test_a_box_refuses_two_keys_with_one_id() -> None:
    with pytest.raises(MasterKeyError, match="unique"):
        AesGcmSecretBox([OLD, IMPOSTOR])


@given(plaintext=st.text(), context=st.text())
def test_any_text_opens_to_itself_in_its_context(plaintext: str, context: str) -> None:
    assert BOX.open(BOX.seal(plaintext, context), context) == plaintext
