"""Master keys for the secret box: parsing PAYCORE_MASTER_KEYS (or its file) without ever echoing a key."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

KEY_BYTES = 32
ENV_NAME = "PAYCORE_MASTER_KEYS"
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_SEPARATORS = re.compile(r"[,\n]")


class MasterKeyError(ValueError):
    """A master key setting that cannot be used; the message never contains key material."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    """A 32-byte AES-256 master key and the id stored beside every ciphertext made with it."""

    key_id: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not KEY_ID.fullmatch(self.key_id):
            raise MasterKeyError("a master key id must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'")
        if len(self.key) != KEY_BYTES:
            raise MasterKeyError(f"master key '{self.key_id}' is {len(self.key)} bytes; it must be {KEY_BYTES}")

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self.key_id!r})"


def parse_master_keys(text: str, *, source: str = ENV_NAME) -> list[MasterKey]:
    """`id:base64key` entries separated by commas or newlines; the first encrypts, the rest only decrypt."""
    keys: list[MasterKey] = []
    entries = [e.strip() for e in _SEPARATORS.split(text) if e.strip()]
    for position, entry in enumerate(entries, start=1):
        key = _parse_entry(entry, f"{source} entry {position}")
        if any(k.key_id == key.key_id for k in keys):
            raise MasterKeyError(f"{source} entry {position}: key id '{key.key_id}' appears twice; ids must be unique")
        keys.append(key)
    return keys


def load_master_keys(env_value: str | None, file_path: str | None) -> list[MasterKey]:
    """The keys of the env var, then those of the key file; ids unique across both; nothing set, none."""
    keys = parse_master_keys(env_value) if env_value else []
    if file_path:
        from_file = parse_master_keys(_read(file_path), source=f"master key file {file_path}")
        if not from_file:
            raise MasterKeyError(f"master key file {file_path} holds no keys; expected id:base64key lines")
        for key in from_file:
            if any(k.key_id == key.key_id for k in keys):
                raise MasterKeyError(f"key id '{key.key_id}' is both in {ENV_NAME} and in {file_path}")
        keys.extend(from_file)
    return keys


def generate_master_key(key_id: str) -> str:
    """A new `id:base64key` line, ready to prepend to PAYCORE_MASTER_KEYS."""
    key = MasterKey(key_id, secrets.token_bytes(KEY_BYTES))
    return f"{key.key_id}:{base64.b64encode(key.key).decode('ascii')}"


def _parse_entry(entry: str, where: str) -> MasterKey:
    key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
    if not colon:
        raise MasterKeyError(f"{where} has no ':'; expected id:base64key")
    if not key_id:
        raise MasterKeyError(f"{where} has an empty key id; expected id:base64key")
    if not KEY_ID.fullmatch(key_id):  # not echoed: a misplaced key would land here
        raise MasterKeyError(f"{where}: the key id must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'")
    if not encoded:
        raise MasterKeyError(f"{where} (key id '{key_id}') has an empty key")
    key = _decode(encoded)
    if key is None:
        raise MasterKeyError(f"{where} (key id '{key_id}'): the key is not valid base64")
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{where} (key id '{key_id}'): the key is {len(key)} bytes; it must be {KEY_BYTES}")
    return MasterKey(key_id, key)


def _decode(encoded: str) -> bytes | None:
    standard = encoded.replace("-", "+").replace("_", "/")  # urlsafe and standard alphabets alike
    standard += "=" * (-len(standard) % 4)
    try:
        return base64.b64decode(standard, validate=True)
    except (binascii.Error, ValueError):
        return None


def _read(file_path: str) -> str:
    try:
        return Path(file_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise MasterKeyError(f"cannot read master key file {file_path}: {reason}") from None
