"""A setting that no longer exists never silently does anything: `paycore serve` and `paycore worker` refuse to
start while it is set (in the environment or the .env file), and say why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.processes import paycore_env
from tests.e2e.test_serve_process import free_port


def run(tmp_path: Path, args: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
    """`paycore …` on a fresh SQLite file in tmp_path, with these settings on top."""
    env = paycore_env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **settings)
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=20, check=False)


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"]], ids=["serve", "worker"])
@pytest.mark.parametrize("value", ["true", "false"])
def test_paycore_refuses_to_start_while_paycore_fake_providers_is_set(
        tmp_path: Path, command: list[str], value: str) -> None:
    result = run(tmp_path, command, PAYCORE_FAKE_PROVIDERS=value)
    assert result.returncode == 2, result.stderr
    assert "PAYCORE_FAKE_PROVIDERS was removed and must be unset" in result.stderr
    assert "emulator" in result.stderr
    assert not (tmp_path / "x.db").exists(), "it went on to migrate the database"


def test_paycore_fake_providers_in_the_dotenv_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PAYCORE_FAKE_PROVIDERS=1\n", encoding="utf-8")
    result = run(tmp_path, ["serve", "--port", str(free_port())])
    assert result.returncode == 2, result.stderr
    assert "PAYCORE_FAKE_PROVIDERS was removed" in result.stderr
