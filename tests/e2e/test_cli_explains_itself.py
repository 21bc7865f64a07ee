"""A command line that explains itself: help and defaults on every option, --version, key listing and
revocation, plain words for an empty list, a taken port or a missing master key before anything else happens."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from entrypoints.cli import parser
from tests.e2e.test_cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
GIT = shutil.which("git") or "git"


def subparsers(p: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every (sub)command's parser, depth first."""
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield name, child
                yield from subparsers(child)


def test_every_option_of_every_command_has_help_and_shows_its_default() -> None:
    commands = dict(subparsers(parser()))
    assert {"serve", "demo", "worker", "emulator", "api-key", "list", "revoke", "config"} <= set(commands)
    for name, command in commands.items():
        text = command.format_help()
        for action in command._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
            if action.option_strings and action.default not in (None, argparse.SUPPRESS) and not action.required:
                assert "(default:" in text, f"{name} does not show its defaults"


def test_version_is_the_package_s(tmp_path: Path) -> None:
    shown = run_cli("--version", database_url="sqlite+aiosqlite://", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.strip() == f"paycore {metadata.version('paycore')}"


def test_api_keys_are_listed_without_secrets_and_revoked_but_never_the_last_admin(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    assert run_cli("migrate", database_url=url, cwd=tmp_path).returncode == 0
    assert "no API keys yet" in run_cli("api-key", "list", database_url=url, cwd=tmp_path).stdout
    tokens = [run_cli("api-key", "create", "--name", name, "--scope", "admin", database_url=url,
                      cwd=tmp_path).stdout.strip().splitlines()[-1] for name in ("ops", "backup")]
    listed = run_cli("api-key", "list", database_url=url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "KEY ID" in listed.stdout
    assert "ops" in listed.stdout
    assert "(UTC+08:00)" in listed.stdout  # Beijing time, said so
    assert all(t.split("_", 2)[2] not in listed.stdout for t in tokens)  # never a secret (which may hold "_")
    first, second = (t.split("_")[1] for t in tokens)

    revoked = run_cli("api-key", "revoke", first, database_url=url, cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in run_cli("api-key", "list", database_url=url, cwd=tmp_path).stdout
    last = run_cli("api-key", "revoke", second, database_url=url, cwd=tmp_path)
    assert last.returncode == 1
    assert "admin" in last.stderr
    assert "Traceback" not in last.stderr
    unknown = run_cli("api-key", "revoke", "0000000000000000", database_url=url, cwd=tmp_path)
    assert unknown.returncode == 1
    assert "api-key list" in unknown.stderr


def test_an_empty_config_list_says_so(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'configs.db'}"
    assert run_cli("migrate", database_url=url, cwd=tmp_path).returncode == 0
    listed = run_cli("config", "list", database_url=url, cwd=tmp_path)
    assert listed.returncode == 0
    assert "no payment configs yet" in listed.stdout


def test_serve_without_a_master_key_refuses_before_touching_the_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    refused = subprocess.run([sys.executable, "-m", "entrypoints.cli", "serve"], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=60, check=False)
    assert refused.returncode == 2
    assert "master key" in refused.stderr
    assert list(tmp_path.iterdir()) == []  # no ./paycore.db, no migrations


def test_a_taken_port_is_named_with_its_option_before_the_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
        for args, option in ((["demo", "--port", str(port)], "--port"),
                             (["demo", "--port", "0", "--emulator-port", str(port)], "--emulator-port")):
            result = subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], capture_output=True,
                                    text=True, env=env, cwd=tmp_path, timeout=60, check=False)
            assert result.returncode == 2
            assert f"port {port}" in result.stderr
            assert option in result.stderr
            assert result.stdout == ""  # no banner, no fresh keys
            assert "Traceback" not in result.stderr
        assert list(tmp_path.iterdir()) == []  # nothing written either


def test_the_demo_s_files_are_ignored_by_git() -> None:
    for name in ("paycore-demo.masterkey", "paycore-demo.db", "paycore-demo.db-wal"):
        checked = subprocess.run([GIT, "check-ignore", "-q", name], cwd=ROOT, check=False)
        assert checked.returncode == 0, f"{name} is not ignored"
