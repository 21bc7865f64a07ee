"""RSA test keys, generated once per session since generation is slow."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.crypto.keys import RsaKeyInspector
from tests.unit.crypto.key_forms import KeyForms, forms_of


@pytest.fixture(scope="session")
def forms() -> KeyForms:
    """A 2048-bit RSA key pair in every form."""
    return forms_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def other_forms() -> KeyForms:
    """A second, unrelated key pair."""
    return forms_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def small_key() -> rsa.RSAPrivateKey:
    """A 1024-bit key: too small for the providers."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused on purpose


@pytest.fixture
def inspector() -> RsaKeyInspector:
    """The inspector under test."""
    return RsaKeyInspector()
