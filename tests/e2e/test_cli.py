"""The console script: migrate, api-key create (the key is the last line) and a key that works."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from application.api_keys import ApiKeys
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.e2e.conftest import TEST_MASTER_KEYS


def run_cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `paycore …` as a user would, in a clean working directory."""
    env = {**os.environ, "PAYCORE_DATABASE_URL": database_url, "PAYCORE_MASTER_KEYS": TEST_MASTER_KEYS}
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, check=False)


def test_migrate_then_api_key_create_prints_a_key_that_authenticates(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrated = run_cli("migrate", database_url=url, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    created = run_cli("api-key", "create", "--name", "shop", "--scope", "payments", database_url=url, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("pck_")

    async def check() -> str:
        container = build_container(Settings(database_url=url, master_keys=TEST_MASTER_KEYS))
        try:
            api_keys: ApiKeys = container.api_keys()
            return (await api_keys.authenticate(token, "payments")).name
        finally:
            await container.engine().dispose()

    assert asyncio.run(check()) == "shop"


def test_a_bad_setting_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PAYCORE_LOG_FORMAT": "xml"}
    result = subprocess.run([sys.executable, "-m", "entrypoints.cli", "migrate"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode == 2
    assert "PAYCORE_LOG_FORMAT" in result.stderr
    assert "Traceback" not in result.stderr
