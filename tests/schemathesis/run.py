"""Run schemathesis against a real `paycore serve` and fail on any failure.

Starts the server on a free port with a temporary SQLite database, issues two admin keys (a run may revoke
one) and a payments key, then runs `st run --checks all` with a fixed seed and a bounded number of examples
once with each key, over every operation (the notify ones included). Exit status: 0 only when both runs
report no failure. Usage: `.venv/bin/python tests/schemathesis/run.py [--max-examples N] [--seed S]`.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PORTS = range(8400, 8500)


def free_port() -> int:
    """The first port of 8400-8499 nobody listens on (any free port when all are taken)."""
    for port in [*PORTS, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


def paycore(env: dict[str, str], *args: str) -> str:
    """Run a paycore command; its last line of stdout."""
    done = subprocess.run([str(BIN / "paycore"), *args], env=env, capture_output=True, text=True, check=True,
                          timeout=120)
    return done.stdout.strip().splitlines()[-1]


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll /health until it answers 200, the server exits, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"paycore serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 - our own http URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # a poll interval inside a bounded wait, not a synchronisation
    raise RuntimeError(f"paycore serve did not answer {url}/health within {timeout}s")


def schemathesis(url: str, key: str, args: argparse.Namespace, report_dir: Path) -> int:
    """One `st run` with a bearer key; its exit status."""
    command = [str(BIN / "st"), "--config-file", str(HERE / "schemathesis.toml"), "run",
               f"{url}/schema/openapi.json", "-H", f"Authorization: Bearer {key}", "--checks", "all",
               "--seed", str(args.seed), "--max-examples", str(args.max_examples), "-w", "1",
               "--phases", "examples,coverage,fuzzing", "--report", "junit", "--report-dir", str(report_dir)]
    shown = " ".join("Authorization: Bearer …" if c.startswith("Authorization") else c for c in command)
    sys.stdout.write(f"== {shown}\n")
    sys.stdout.flush()
    # In the report directory: schemathesis keeps its cache (.schemathesis/) in its working directory.
    report_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(command, timeout=600, check=False, cwd=report_dir).returncode


def main() -> int:
    """Serve, issue keys, run schemathesis with each key."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paycore-st-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "PAYCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/paycore.db",
               "PAYCORE_MASTER_KEYS": "st:" + base64.b64encode(secrets.token_bytes(32)).decode(),
               "PAYCORE_PUBLIC_URL": url, "PAYCORE_RATE_LIMIT_FAILED_AUTH": "0",
               "PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS": "0", "PAYCORE_LOG_LEVEL": "WARNING"}
        paycore(env, "migrate")
        admin = paycore(env, "api-key", "create", "--name", "st-admin", "--scope", "admin")
        paycore(env, "api-key", "create", "--name", "st-admin-spare", "--scope", "admin")  # a run may revoke one
        payments = paycore(env, "api-key", "create", "--name", "st-payments", "--scope", "payments")
        with open(Path(tmp) / "server.log", "wb") as log:
            server = subprocess.Popen([str(BIN / "paycore"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-worker"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
            try:
                wait_healthy(url, server)
                failed = [name for name, key in (("admin", admin), ("payments", payments))
                          if schemathesis(url, key, args, Path(tmp) / f"report-{name}") != 0]
            finally:
                server.terminate()
                server.wait(timeout=30)
        if failed:
            sys.stderr.write(f"schemathesis reported failures with the {' and '.join(failed)} key\n")
            sys.stderr.write((Path(tmp) / "server.log").read_text(errors="replace")[-4000:])
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
