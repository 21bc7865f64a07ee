"""Regenerate docs/demo-cashier.png (a real `paycore demo`, one Alipay payment paid on the emulator, photographed)
and docs/cashier-choice.png (a payment whose payer chooses, WeChat's QR code chosen).

    .venv/bin/python docs/screenshots.py            # writes docs/demo-cashier.png and docs/cashier-choice.png
    .venv/bin/python docs/screenshots.py out.png    # or out.png and out-choice.png

Needs what the browser tests need: Debian's chromium (`apt-get install chromium`, driven by Playwright; never a
downloaded browser build) and, for the Chinese text, a CJK font (`apt-get install fonts-wqy-microhei`). The demo
runs in a temporary directory on free ports, so it never touches a demo you are running.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent / "demo-cashier.png"
CHOICE_OUT = OUT.with_name("cashier-choice.png")
CHOICE = {"order_no": "DEMOPICK01", "pay_methods": ["alipay:pc", "alipay:qr", "wechat:native"],
          "subject": "论文润色 Thesis polishing", "total_amount": "99.90"}
ORDER = {"order_no": "DEMO0001", "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing",
         "total_amount": "99.90"}
WITHIN_S = 30.0


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Receiver(BaseHTTPRequestHandler):
    """Your system's webhook endpoint: keeps each body it is sent, answers 204."""

    bodies: list[dict[str, Any]] = []  # noqa: RUF012 - one receiver per run

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def until(check: Any, what: str) -> Any:
    """Poll `check()` until it returns something truthy, for at most WITHIN_S seconds."""
    deadline = time.monotonic() + WITHIN_S
    while not (result := check()):
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: {what} did not happen within {WITHIN_S} s")
        time.sleep(0.1)  # polling another process; bounded by the deadline
    return result


def healthy(url: str) -> bool:
    """Whether paycore answers /health."""
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def shot(page: Page, url: str) -> str:
    """The page at url, photographed, as a data: URL."""
    page.goto(url)
    return "data:image/png;base64," + base64.b64encode(page.screenshot()).decode()


def composite(panels: list[tuple[str, str]], webhook: dict[str, Any]) -> str:
    """One page: the screenshots side by side, each with its caption, and the webhook your system received."""
    cells = "".join(f'<figure><img src="{src}"><figcaption>{caption}</figcaption></figure>' for caption, src in panels)
    data = webhook["data"]
    hook = json.dumps({"id": webhook["id"], "type": webhook["type"],
                       "data": {k: data[k] for k in ("order_no", "trade_status", "total_amount")}},
                      ensure_ascii=False)
    return f"""<!doctype html><meta charset="utf-8"><style>
body{{margin:0;padding:16px;background:#f3f4f6;font-family:system-ui,sans-serif;width:max-content}}
.row{{display:flex;gap:14px}} figure{{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px}}
img{{display:block;width:420px}} figcaption{{padding:6px 10px;font-size:14px;color:#444;border-top:1px solid #eee}}
pre{{margin:14px 0 0;padding:10px;white-space:pre-wrap;max-width:1270px;background:#fff;border:1px solid #ddd;
border-radius:6px;font-size:13px}}</style>
<div class="row">{cells}</div><pre>4. your notify_url receives the signed webhook:\n{hook}</pre>"""


def photograph(url: str, key: str, hook_url: str) -> bytes:
    """The cashier before, the emulator's Alipay page, the cashier after paying, and the webhook; one PNG."""
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(f"{url}/v1/payments", json={**ORDER, "notify_url": hook_url}, headers=headers, timeout=10)
    created.raise_for_status()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 420, "height": 470}, locale="zh-CN")
        cashier = created.json()["cashier_url"]  # with its token: /pay/DEMO0001 alone is a 404
        before = shot(page, cashier)
        emulator = shot(page, created.json()["pay_url"])
        page.click("#pay")  # the emulator signs Alipay's notification and posts it to paycore
        until(lambda: httpx.get(f"{url}/v1/payments/{ORDER['order_no']}", headers=headers).json()["trade_status"]
              == "TRADE_SUCCESS", "the payment turning TRADE_SUCCESS")
        after = shot(page, cashier)
        webhook = until(lambda: next((b for b in Receiver.bodies if b["type"] == "payment.succeeded"), None),
                        "the payment.succeeded webhook")
        page.set_viewport_size({"width": 1400, "height": 560})
        page.set_content(composite([("1. paycore's cashier page (its cashier_url)", before),
                                    ("2. “Pay with Alipay” opens the emulator's Alipay page", emulator),
                                    ("3. after Pay: the cashier shows it paid", after)], webhook))
        png = page.locator("body").screenshot()
        browser.close()
        return png


def photograph_choice(url: str, key: str) -> bytes:
    """The cashier page of a payment whose payer chooses, after pressing WeChat's QR code."""
    created = httpx.post(f"{url}/v1/payments", json=CHOICE, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    created.raise_for_status()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(created.json()["cashier_url"])
        with page.expect_navigation():
            page.click('button.choice[value="wechat:native"]')  # starts the WeChat attempt; the page shows its QR
        page.locator("#qr").wait_for()
        png = page.screenshot(full_page=True)
        browser.close()
        return png


def payments_key(demo: subprocess.Popen[str]) -> str:
    """The payments key the demo's banner prints (the banner is out before /health answers)."""
    banner = []
    for line in demo.stdout or ():
        banner.append(line)
        if key := re.search(r"payments key:\s+(\S+)", line):
            return key.group(1)
        if len(banner) > 40:
            break
    raise SystemExit("screenshots: no payments key in the demo's banner:\n" + "".join(banner))


def main(out: Path = OUT) -> int:
    """Run the demo, photograph it, stop it."""
    port, emulator_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks/paycore"
    with tempfile.TemporaryDirectory() as workdir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
        demo = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "demo", "--port", str(port),  # noqa: S603
                                 "--emulator-port", str(emulator_port)], cwd=workdir, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            until(lambda: demo.poll() is not None or healthy(url), "paycore demo answering /health")
            key = payments_key(demo)
            out.write_bytes(photograph(url, key, hook_url))
            choice_out = CHOICE_OUT if out == OUT else out.with_name(f"{out.stem}-choice{out.suffix}")
            choice_out.write_bytes(photograph_choice(url, key))
        finally:
            demo.send_signal(signal.SIGTERM)
            demo.wait(timeout=20)
            receiver.shutdown()
    print(f"wrote {out} ({out.stat().st_size // 1024} KB) and its -choice picture")  # noqa: T201 - talks to a person
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
