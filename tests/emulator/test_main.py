"""`python -m emulator`: the command the service's `paycore emulator` will call."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import httpx

from emulator.app import parse_args, settings_from
from tests.rsa_keys import key_pair


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_arguments_become_settings(tmp_path: Path) -> None:
    key_file = tmp_path / "alipay.pem"
    key_file.write_text(key_pair(1).pkcs1_pem)
    args = parse_args(["--port", "9200", "--time-scale", "0.001", "--alipay-private-key", str(key_file)])
    settings = settings_from(args)
    assert settings.base_url == "http://127.0.0.1:9200"
    assert settings.notify_time_scale == 0.001
    assert settings.alipay_private_key_pem == key_pair(1).pkcs1_pem


async def test_python_m_emulator_serves_on_the_given_port() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "emulator", "--port", str(port), stderr=asyncio.subprocess.PIPE
    )
    try:
        assert process.stderr is not None
        line = b""
        while b"Uvicorn running on" not in line:
            line = await asyncio.wait_for(process.stderr.readline(), timeout=20)
            assert line, "the emulator exited before serving"
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/_control/alipay/public-key")
        assert response.text.startswith("-----BEGIN PUBLIC KEY-----")
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
