"""PAYCORE_MASTER_KEYS parsing: every malformed entry is named, and no message carries key material."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from adapters.crypto.master_keys import (
    MasterKey,
    MasterKeyError,
    generate_master_key,
    load_master_keys,
    parse_master_keys,
)

KEY = bytes(range(32))
STD = base64.b64encode(KEY).decode()
URLSAFE = base64.urlsafe_b64encode(bytes(range(200, 232))).decode()
SHORT = base64.b64encode(b"sixteen byte key").decode()
LONG = base64.b64encode(bytes(48)).decode()


def test_the_first_entry_comes_first_and_every_entry_is_kept() -> None:
    keys = parse_master_keys(f"new:{STD},old:{URLSAFE}")
    assert [k.key_id for k in keys] == ["new", "old"]
    assert keys[0].key == KEY
    assert keys[1].key == bytes(range(200, 232))


def test_newlines_separate_entries_and_surrounding_blanks_are_ignored() -> None:
    keys = parse_master_keys(f"\n  k_2 : {STD}\n\nk-1:{URLSAFE.rstrip('=')}\n")
    assert [k.key_id for k in keys] == ["k_2", "k-1"]


def test_nothing_set_is_no_keys() -> None:
    assert parse_master_keys("") == []
    assert load_master_keys(None, None) == []
    assert load_master_keys("", "") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STD, "entry 1 has no ':'"),
        (f"ok:{URLSAFE},{STD}", "entry 2 has no ':'"),
        (f":{STD}", "entry 1 has an empty key id"),
        (f"{'x' * 33}:{STD}", "entry 1: the key id must be 1-32 characters"),
        (f"bad id!:{STD}", "entry 1: the key id must be 1-32 characters"),
        (f"{STD}:{STD}", "entry 1: the key id must be 1-32 characters"),
        ("k1:", "entry 1 (key id 'k1') has an empty key"),
        (f"k1:{STD[:-4]}$$$$", "entry 1 (key id 'k1'): the key is not valid base64"),
        (f"k1:{SHORT}", "entry 1 (key id 'k1'): the key is 16 bytes; it must be 32"),
        (f"k1:{LONG}", "entry 1 (key id 'k1'): the key is 48 bytes; it must be 32"),
        (f"k1:{STD},k2:{URLSAFE},k1:{URLSAFE}", "entry 3: key id 'k1' appears twice"),
    ],
    ids=["no colon", "second entry", "empty id", "long id", "bad id", "key as id", "empty key", "not base64",
         "short key", "long key", "duplicate id"],
)
def test_a_malformed_entry_is_named_without_its_key(text: str, expected: str) -> None:
    with pytest.raises(MasterKeyError) as caught:
        parse_master_keys(text)
    message = str(caught.value)
    assert expected in message
    for secret in (STD, STD[:-4], URLSAFE, SHORT, LONG, STD.rstrip("=")[:16]):
        assert secret not in message


def test_a_master_key_error_is_a_value_error() -> None:
    assert issubclass(MasterKeyError, ValueError)


def test_a_master_key_must_be_32_bytes_even_when_built_directly() -> None:
    with pytest.raises(MasterKeyError, match="16 bytes"):
        MasterKey("k1", b"x" * 16)


def test_the_key_file_holds_the_same_format_after_the_env_keys(tmp_path: Path) -> None:
    key_file = tmp_path / "master.keys"
    key_file.write_text(f"old:{URLSAFE}\n", encoding="utf-8")
    assert [k.key_id for k in load_master_keys(f"new:{STD}", str(key_file))] == ["new", "old"]
    assert [k.key_id for k in load_master_keys(None, str(key_file))] == ["old"]


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.keys"
    with pytest.raises(MasterKeyError) as caught:
        load_master_keys(None, str(missing))
    assert f"cannot read master key file {missing}: No such file or directory" in str(caught.value)


def test_an_empty_key_file_is_an_error(tmp_path: Path) -> None:
    key_file = tmp_path / "empty.keys"
    key_file.write_text("\n", encoding="utf-8")
    with pytest.raises(MasterKeyError, match="holds no keys"):
        load_master_keys(None, str(key_file))


def test_a_malformed_file_entry_names_the_file_and_not_the_key(tmp_path: Path) -> None:
    key_file = tmp_path / "master.keys"
    key_file.write_text(f"k1:{SHORT}\n", encoding="utf-8")
    with pytest.raises(MasterKeyError, match=r"master key file .*master.keys entry 1") as caught:
        load_master_keys(None, str(key_file))
    assert SHORT not in str(caught.value)


def test_an_id_in_both_the_env_and_the_file_is_an_error(tmp_path: Path) -> None:
    key_file = tmp_path / "master.keys"
    key_file.write_text(f"k1:{URLSAFE}", encoding="utf-8")
    with pytest.raises(MasterKeyError, match="'k1' is both in PAYCORE_MASTER_KEYS and in"):
        load_master_keys(f"k1:{STD}", str(key_file))


def test_a_generated_key_parses_back_and_differs_each_time() -> None:
    line = generate_master_key("k2024")
    (key,) = parse_master_keys(line)
    assert key.key_id == "k2024"
    assert len(key.key) == 32
    assert generate_master_key("k2024") != line


def test_a_generated_key_needs_a_valid_id() -> None:
    with pytest.raises(MasterKeyError):
        generate_master_key("not valid")


def test_repr_of_a_master_key_shows_only_its_id() -> None:
    key = MasterKey("k1", KEY)
    assert repr(key) == "MasterKey(key_id='k1')"
    assert str(KEY) not in repr(key)
    assert STD not in repr(key)
