"""Master keys through the real CLI: rotation end to end, a missing or wrong key, start-up refusals."""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_admin_configs import alipay_config, wechat_config
from tests.e2e.test_serve_process import free_port

K1 = "k1:" + base64.b64encode(bytes(range(1, 33))).decode()
K2 = "k2:" + base64.b64encode(bytes(range(101, 133))).decode()
K1_WRONG = "k1:" + base64.b64encode(bytes(range(201, 233))).decode()
SEALED_COLUMNS = {"ai_write_payment_config": ("private_key", "api_key", "api_v3_key"),
                  "paycore_api_key": ("webhook_secret",)}
STORED_SECRETS = 4  # the Alipay private key, the WeChat private key and APIv3 key, one webhook secret


def run_cli(tmp_path: Path, *args: str, master_keys: str | None) -> subprocess.CompletedProcess[str]:
    """`paycore …` as a subprocess on tmp_path/x.db with exactly these master keys (None: unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    env["PAYCORE_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    if master_keys is not None:
        env["PAYCORE_MASTER_KEYS"] = master_keys
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The stdout of a command that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def seed(tmp_path: Path) -> None:
    """A migrated database with an Alipay and a WeChat config and an API key, all sealed under k1."""
    ok(run_cli(tmp_path, "migrate", master_keys=K1))
    (tmp_path / "configs.json").write_text(json.dumps([alipay_config(), wechat_config()]), encoding="utf-8")
    imported = ok(run_cli(tmp_path, "config", "import", "configs.json", master_keys=K1))
    assert imported.count("imported config") == 2
    assert ok(run_cli(tmp_path, "api-key", "create", "--name", "shop", "--scope", "payments",
                      master_keys=K1)).strip().splitlines()[-1].startswith("pck_")


def fingerprints(listing: str, *fields: str) -> dict[tuple[str, str], str]:
    """(config id, secret field) → the `sha256:…` fingerprint `config list` printed, for these fields."""
    found: dict[tuple[str, str], str] = {}
    for line in listing.splitlines():
        for field, fingerprint in re.findall(r"(\w+)=set (sha256:[0-9a-f]{64})", line):
            if field in fields:
                found[(line.split("\t")[0], field)] = fingerprint
    return found


def sealed_values(tmp_path: Path) -> list[str]:
    """Every non-empty sealed column of the raw SQLite file."""
    with sqlite3.connect(tmp_path / "x.db") as conn:
        return [value for table, columns in SEALED_COLUMNS.items() for column in columns
                for (value,) in conn.execute(f"SELECT {column} FROM {table}") if value]  # noqa: S608 - fixed names


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A non-zero exit with a message holding the needles and no Python traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_rotation_reseals_everything_under_the_new_key_and_is_safe_to_rerun(tmp_path: Path) -> None:
    seed(tmp_path)
    before = ok(run_cli(tmp_path, "config", "list", master_keys=K1))
    assert len(fingerprints(before, "private_key")) == 2
    assert all(v.startswith("pc1:k1:") for v in sealed_values(tmp_path))

    first = ok(run_cli(tmp_path, "keys", "rotate", master_keys=f"{K2},{K1}"))
    assert f"re-encrypted {STORED_SECRETS} of {STORED_SECRETS}" in first
    again = ok(run_cli(tmp_path, "keys", "rotate", master_keys=f"{K2},{K1}"))
    assert f"re-encrypted 0 of {STORED_SECRETS}" in again

    after = ok(run_cli(tmp_path, "config", "list", master_keys=K2))
    assert fingerprints(after, "private_key") == fingerprints(before, "private_key")
    values = sealed_values(tmp_path)
    assert len(values) == STORED_SECRETS
    assert all(v.startswith("pc1:k2:") for v in values), values


def test_symmetric_secret_fingerprints_are_stable_under_one_master_key_and_change_with_it(tmp_path: Path) -> None:
    # API.md: a symmetric secret's fingerprint is an HMAC under the master key, so it can be compared
    # while the key stays, and is expected to change when the newest master key does (README says so).
    seed(tmp_path)
    before = fingerprints(ok(run_cli(tmp_path, "config", "list", master_keys=K1)), "api_v3_key")
    assert len(before) == 1
    assert fingerprints(ok(run_cli(tmp_path, "config", "list", master_keys=K1)), "api_v3_key") == before
    ok(run_cli(tmp_path, "keys", "rotate", master_keys=f"{K2},{K1}"))
    after = fingerprints(ok(run_cli(tmp_path, "config", "list", master_keys=K2)), "api_v3_key")
    assert len(after) == 1
    assert after != before


def test_removing_the_old_key_before_rotating_fails_clearly_naming_it(tmp_path: Path) -> None:
    seed(tmp_path)
    listing = run_cli(tmp_path, "config", "list", master_keys=K2)
    assert_clean_failure(listing, "'k1'")
    rotation = run_cli(tmp_path, "keys", "rotate", master_keys=K2)
    assert_clean_failure(rotation, "'k1'")
    assert all(v.startswith("pc1:k1:") for v in sealed_values(tmp_path))


def test_keys_generate_prints_a_line_that_works_as_the_master_key(tmp_path: Path) -> None:
    line = ok(run_cli(tmp_path, "keys", "generate", "--key-id", "k9", master_keys=None)).strip()
    assert line.startswith("k9:")
    assert len(base64.b64decode(line.removeprefix("k9:"))) == 32
    ok(run_cli(tmp_path, "migrate", master_keys=line))
    ok(run_cli(tmp_path, "api-key", "create", "--name", "shop", "--scope", "admin", master_keys=line))
    assert all(v.startswith("pc1:k9:") for v in sealed_values(tmp_path))


def serve(tmp_path: Path, master_keys: str | None) -> subprocess.CompletedProcess[str]:
    """`paycore serve` on a free port; it must refuse to start, so it returns well within the timeout."""
    return run_cli(tmp_path, "serve", "--port", str(free_port()), "--no-worker", master_keys=master_keys)


def test_serve_without_a_master_key_refuses_to_start_and_says_how_to_make_one(tmp_path: Path) -> None:
    result = serve(tmp_path, master_keys=None)
    assert result.returncode == 2
    assert_clean_failure(result, "PAYCORE_MASTER_KEYS", "paycore keys generate")


def test_serve_with_the_wrong_key_over_stored_secrets_refuses_to_start_naming_it(tmp_path: Path) -> None:
    seed(tmp_path)
    result = serve(tmp_path, master_keys=K1_WRONG)
    assert result.returncode == 2
    assert_clean_failure(result, "'k1'", "PAYCORE_MASTER_KEYS")
    assert K1_WRONG.partition(":")[2] not in result.stderr


def test_serve_with_a_key_that_cannot_open_a_secret_names_the_missing_key(tmp_path: Path) -> None:
    seed(tmp_path)
    result = serve(tmp_path, master_keys=K2)
    assert result.returncode == 2
    assert_clean_failure(result, "'k1'")


SHORT = base64.b64encode(bytes(range(50, 66))).decode()  # 16 bytes: AES-128, not AES-256
MALFORMED = [
    pytest.param("k1:not*base64*at*all+secretmaterial", "not*base64*at*all", id="bad-base64"),
    pytest.param(f"k1:{SHORT}", SHORT, id="16-byte-key"),
    pytest.param(f"{K2},k1:{SHORT}", SHORT, id="second-entry-short"),
    pytest.param(K2.partition(":")[2], K2.partition(":")[2], id="no-key-id"),
]


@pytest.mark.parametrize(("master_keys", "material"), MALFORMED)
def test_serve_with_malformed_master_keys_exits_2_without_echoing_the_key(
        tmp_path: Path, master_keys: str, material: str) -> None:
    result = serve(tmp_path, master_keys=master_keys)
    assert result.returncode == 2
    assert_clean_failure(result, "PAYCORE_MASTER_KEYS")
    assert material not in result.stderr + result.stdout
    assert material[:12] not in result.stderr + result.stdout
