"""`paycore demo` as a real process: SQLite, the emulator and the API on real ports; a payer pays end to end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_health(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Poll /health until it answers, the process dies, or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"paycore exited with {process.returncode}: {process.communicate()[1]}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)  # polling a port that is not open yet; bounded by the deadline
    raise AssertionError(f"paycore did not answer {url}/health within {timeout}s")


def printed_payments_key(process: subprocess.Popen[str]) -> str:
    """The payments key the demo printed (already flushed: it prints before it serves)."""
    assert process.stdout is not None
    for _ in range(100):
        line = process.stdout.readline()
        if "payments key:" in line:
            return line.split()[-1]
    raise AssertionError("the demo printed no payments key")


class DemoServer(NamedTuple):
    """A running `paycore demo`: where paycore and the emulator answer, its directory and its payments key."""

    url: str
    directory: str
    key: str
    emulator_url: str


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`paycore demo` on a free port in an empty directory, shared by this module's tests (distinct orders)."""
    tmp_path = tmp_path_factory.mktemp("demo")
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "demo", "--port", str(port),
                                "--emulator-port", str(emulator_port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield DemoServer(url, str(tmp_path), printed_payments_key(process), f"http://127.0.0.1:{emulator_port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_status(url: str, order_no: str, auth: dict[str, str], wanted: str, seconds: float = 15.0) -> str:
    """Poll the payment until it reaches wanted or the time is up; its last status."""
    deadline = time.monotonic() + seconds
    status = ""
    while time.monotonic() < deadline and status != wanted:
        status = httpx.get(f"{url}/v1/payments/{order_no}", headers=auth, timeout=5).json()["trade_status"]
        if status != wanted:
            time.sleep(0.1)  # polling the notification's effect; bounded by the deadline
    return status


def test_the_demo_pays_an_order_end_to_end_from_an_empty_directory(demo_server: DemoServer) -> None:
    url, directory, key, _ = demo_server
    assert httpx.get(f"{url}/ready", timeout=5).status_code == 200
    assert (Path(directory) / "paycore-demo.db").is_file()
    unauthenticated = httpx.post(f"{url}/v1/payments", json={}, timeout=5)
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "UNAUTHENTICATED"
    auth = {"Authorization": f"Bearer {key}"}
    body = {"order_no": "DEMO0001", "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing",
            "total_amount": "99.90"}
    created = httpx.post(f"{url}/v1/payments", json=body, headers=auth, timeout=5)
    assert created.status_code == 201, created.text
    assert created.json()["trade_status"] == "WAIT_BUYER_PAY"

    # The payer opens the pay URL: the emulator's cashier, and presses Pay.
    cashier = httpx.get(created.json()["pay_url"], timeout=5)
    assert cashier.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+/pay)"', cashier.text)
    assert action is not None, cashier.text
    emulator = created.json()["pay_url"].split("/gateway.do")[0]
    assert httpx.post(emulator + action.group(1), timeout=5).status_code < 400

    # Alipay's notification reaches paycore, which marks the payment paid.
    assert wait_for_status(url, "DEMO0001", auth, "TRADE_SUCCESS") == "TRADE_SUCCESS"
    events = httpx.get(f"{url}/v1/payments/DEMO0001/events", headers=auth, timeout=5).json()["items"]
    assert [e["source"] for e in events] == ["api", "notify"]


def test_the_demo_pays_a_wechat_native_order_on_the_emulators_scan_page(demo_server: DemoServer) -> None:
    url, _, key, emulator = demo_server
    auth = {"Authorization": f"Bearer {key}"}
    body = {"order_no": "DEMOWX0001", "payment_type": "wechat", "pay_method": "native",
            "subject": "Thesis polishing", "total_amount": "99.90"}
    created = httpx.post(f"{url}/v1/payments", json=body, headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    code_url = created.json()["code_url"]
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")

    # The banner's way to the scan page: the pr= token of the code_url, on the emulator.
    scan_url = f"{emulator}/wechat/scan/{code_url.split('pr=', 1)[1]}"
    order = httpx.get(f"{emulator}/_control/wechat/transactions/DEMOWX0001", timeout=5).json()
    assert order["scan_url"] == scan_url
    page = httpx.get(scan_url, timeout=5)
    assert page.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+/pay)"', page.text)
    assert action is not None, page.text
    assert httpx.post(emulator + action.group(1), timeout=5).status_code == 200

    # WeChat's encrypted, signed callback reaches paycore, which marks the payment paid.
    assert wait_for_status(url, "DEMOWX0001", auth, "TRADE_SUCCESS") == "TRADE_SUCCESS"
    paid = httpx.get(f"{url}/v1/payments/DEMOWX0001", headers=auth, timeout=5).json()
    assert paid["buyer_id"] == httpx.get(f"{emulator}/_control/wechat/transactions/DEMOWX0001",
                                         timeout=5).json()["payer"]["openid"]
    events = httpx.get(f"{url}/v1/payments/DEMOWX0001/events", headers=auth, timeout=5).json()["items"]
    assert [e["source"] for e in events] == ["api", "notify"]
