"""The real Alipay emulator (`python -m emulator`) in its own process on a free port, and a notify receiver."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.integration.alipay.stub import Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[3]


def emulator_missing() -> str | None:
    """Why the emulator cannot run here, or None."""
    if not (ROOT / "emulator" / "app.py").exists():
        return "emulator/app.py (the offline Alipay emulator) is not in the repo yet"
    return None


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_emulator() -> Iterator[str]:
    """Start `python -m emulator --port P` (notification retries in milliseconds); yield its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--time-scale", "0.001"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the emulator exited with {process.returncode}: {stderr[-2000:]}")
        try:
            if httpx.get(f"{base_url}/_control/alipay/public-key", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the emulator did not start within 30 s")


class NotifyReceiver:
    """A merchant's notify_url: keeps each form Alipay posts (as the raw body parsed) and answers `success`."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.forms.append(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"success"})

    def wait_for(self, out_trade_no: str, trade_status: str, seconds: float = 10) -> dict[str, str]:
        """The first form for the order in that status, waiting for it to arrive."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for form in self.forms:
                if form.get("out_trade_no") == out_trade_no and form.get("trade_status") == trade_status:
                    return form
            time.sleep(0.05)
        raise AssertionError(f"no {trade_status} notification for {out_trade_no} arrived")


def control(base_url: str, method: str, path: str, **json: Any) -> Any:
    """Call the emulator's control API; the decoded JSON answer (or text)."""
    response = httpx.request(method, f"{base_url}/_control/alipay{path}", json=json or None, timeout=10)
    response.raise_for_status()
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return response.json() if is_json else response.text
