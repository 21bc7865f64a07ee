"""Benchmark: Alipay PC payments created through the HTTP API on SQLite, paycore's signer against the SDK's stock one.

    .venv/bin/python bench/create_payment.py --n 3000 --concurrency 16

paycore runs as `paycore serve` would (uvicorn, one process, the in-process worker) in a subprocess on a fresh
SQLite database with a real Alipay config (RSA-2048 keys); the parent process is the load: `concurrency`
clients on kept-alive connections, each creating payments back to back. Page pay is a locally signed URL, so
no Alipay (or emulator) is called. The second run is the same server with the SDK's stock signer
(pure-Python `rsa`, `alipay.aop.api.util.SignatureUtils.sign_with_rsa2`) put back in the SDK's call path.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: paycore's packages live at the repo root
    sys.path.insert(0, str(ROOT))

STOCK_SIGNER = "PAYCORE_BENCH_STOCK_SIGNER"


@dataclass(frozen=True)
class Result:
    """One measured run."""

    label: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        """Payments created per second."""
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self) -> str:
        """The result as one printed line."""
        return (f"{self.label:<22} {self.count:>6} payments in {self.seconds:6.2f} s = {self.rate:8.1f} payments/s"
                f"   p50 {self.percentile(50):7.1f} ms   p99 {self.percentile(99):7.1f} ms"
                f"   mean {statistics.fmean(self.latencies) * 1000:7.1f} ms")


def key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 key pair as (PKCS#1 private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def environment(directory: Path) -> dict[str, str]:
    """The server's environment: a SQLite file in directory, a fresh master key, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")}
    env |= {
        "PAYCORE_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'bench.db'}",
        "PAYCORE_MASTER_KEYS": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "PAYCORE_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    return env


async def prepare(env: dict[str, str], wechat_emulator: str | None = None,
                  alipay_public: str | None = None) -> str:
    """Migrate the database, store a default Alipay config with real keys (alipay_public, when given; and, given an
    emulator URL, a default WeChat config registered there), issue a payments key; the key."""
    from adapters.sql.migrate import upgrade_async
    from entrypoints.container import build_container
    from entrypoints.settings import load_settings

    settings = load_settings(env, dotenv=None)
    await upgrade_async(settings.database_url)
    container = build_container(settings)
    app_private, app_public = key_pair()
    alipay_public = alipay_public or key_pair()[1]
    await container.configs().create(
        {"payment_type": "alipay", "config_name": "bench", "app_id": "2021000000000042",
         "seller_id": "2088000000000042", "private_key": app_private, "public_key": app_public,
         "alipay_public_key": alipay_public, "gateway_url": "http://127.0.0.1:9/gateway.do",
         "return_url": "https://shop.example/paid", "is_default": True}, by="bench")
    if wechat_emulator is not None:
        await container.configs().create(await wechat_config(wechat_emulator), by="bench")
    token = (await container.api_keys().issue("bench", "payments")).token
    await container.engine().dispose()
    return token


async def wechat_config(emulator: str) -> dict[str, object]:
    """A WeChat public-key-mode config whose merchant is registered in the emulator."""
    merchant_private, merchant_public = key_pair()
    api_v3_key = secrets.token_hex(16)
    async with httpx.AsyncClient(base_url=emulator, timeout=10) as client:
        registered = await client.post("/_control/wechat/merchants", json={
            "mchid": "1900000042", "appid": "wx00000000000042", "merchant_public_key": merchant_public,
            "merchant_serial_no": "BENCH0000000042", "api_v3_key": api_v3_key, "mode": "public_key"})
        registered.raise_for_status()
        wechat_key = (await client.get("/_control/wechat/public-key")).json()
    return {"payment_type": "wechat", "config_name": "bench wechat", "app_id": "wx00000000000042",
            "mch_id": "1900000042", "api_v3_key": api_v3_key, "cert_serial_no": "BENCH0000000042",
            "private_key": merchant_private, "wechat_public_key": wechat_key["public_key"],
            "wechat_public_key_id": wechat_key["public_key_id"], "gateway_url": emulator, "is_default": True}


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    """The offline Alipay + WeChat Pay emulator in its own process."""
    command = [sys.executable, "-m", "emulator", "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,  # noqa: S603 - our own module
                            stderr=subprocess.DEVNULL)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int, stock_signer: bool) -> subprocess.Popen[bytes]:
    """This script in --serve mode, in its own process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
    child_env = env | ({STOCK_SIGNER: "1"} if stock_signer else {})
    return subprocess.Popen(command, env=child_env, cwd=ROOT)  # noqa: S603 - our own interpreter and script


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30.0, path: str = "/health") -> None:
    """Poll url + path until it answers 200, the process dies, or the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}{path}", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)  # the port is not open yet; bounded by the deadline
    raise SystemExit(f"the server did not answer within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server and wait for it."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Connection:
    """One kept-alive HTTP/1.1 connection speaking just enough HTTP for this load (like wrk, not a browser):
    httpx would spend more CPU per request than some of what is measured, on the same two cores."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, token: str) -> None:
        self.reader, self.writer = reader, writer
        self.head = (f"POST /v1/payments HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\n").encode()

    @classmethod
    async def open(cls, url: str, token: str) -> Connection:
        """Connect to url's host and port."""
        parsed = httpx.URL(url)
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
        return cls(reader, writer, f"{parsed.host}:{parsed.port}", token)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """POST a JSON body to /v1/payments; (status, response body)."""
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" not in headers:
            raise SystemExit(f"an answer without Content-Length: {head!r}")
        return int(lines[0].split()[1]), await self.reader.readexactly(int(headers["content-length"]))

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        await self.writer.wait_closed()


KINDS = {"alipay": b'"payment_type": "alipay", "pay_method": "pc"',
         "wechat": b'"payment_type": "wechat", "pay_method": "native"'}


async def load(url: str, token: str, prefix: str, count: int, concurrency: int,
               kind: str = "alipay") -> tuple[float, list[float]]:
    """Create count payments with concurrency clients; (elapsed seconds, per-request latencies)."""
    latencies: list[float] = []
    numbers = iter(range(count))
    connections = [await Connection.open(url, token) for _ in range(concurrency)]

    async def client(connection: Connection) -> None:
        for n in numbers:
            body = (b'{"order_no": "%s%08d", %s, '
                    b'"subject": "Thesis polishing", "total_amount": "99.90"}' % (prefix.encode(), n, KINDS[kind]))
            started = time.perf_counter()
            status, answer = await connection.post(body)
            latencies.append(time.perf_counter() - started)
            if status != 201:
                raise SystemExit(f"payment {prefix}{n:08d}: HTTP {status} {answer[:300]!r}")

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client(c) for c in connections))
        return time.perf_counter() - started, latencies
    finally:
        for connection in connections:
            await connection.close()


def measure(label: str, env: dict[str, str], token: str, count: int, warmup: int, concurrency: int,
            stock_signer: bool, kind: str = "alipay") -> Result:
    """Start a server, warm it up, measure count creations, stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(env, port, stock_signer)
    try:
        wait_until_up(url, process)
        tag = ("S" if stock_signer else "F") + kind[0].upper()
        asyncio.run(load(url, token, f"BW{tag}", warmup, concurrency, kind))
        seconds, latencies = asyncio.run(load(url, token, f"BM{tag}", count, concurrency, kind))
    finally:
        stop(process)
    return Result(label, count, seconds, latencies)


def serve(port: int) -> None:
    """The server side: `paycore serve` on SQLite, with the SDK's stock signer when the switch is set."""
    import uvicorn

    from entrypoints.logs import configure_logging
    from entrypoints.settings import load_settings

    if os.environ.get(STOCK_SIGNER) == "1":
        from alipay.aop.api.util import SignatureUtils

        from adapters.gateways.alipay import sdk

        # sdk.install() copies this module global into the SDK's DefaultAlipayClient on every client it
        # builds: the stock pure-Python signer then signs every request, everything else unchanged.
        sdk.sign_with_rsa2 = SignatureUtils.sign_with_rsa2
    settings = load_settings(dotenv=None)
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run("entrypoints.asgi:app_from_env", factory=True, host="127.0.0.1", port=port, access_log=False,
                log_level=settings.log_level.lower(), log_config=None)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="payments to create with paycore's signer")
    parser.add_argument("--stock-n", type=int, default=300, help="payments to create with the SDK's stock signer")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured payments first")
    parser.add_argument("--wechat-n", type=int, default=1000,
                        help="WeChat Native payments to create (each a real call to the emulator); 0 skips")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure paycore's signer, then the stock signer, and print both and the ratio."""
    args = parse_args(argv)
    if args.serve is not None:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory(prefix="paycore-bench-") as tmp:
        results = []
        for label, count, stock in (("paycore (cryptography)", args.n, False),
                                    ("SDK stock signer (rsa)", args.stock_n, True)):
            directory = Path(tmp) / ("stock" if stock else "paycore")
            directory.mkdir()
            env = environment(directory)
            token = asyncio.run(prepare(env))
            results.append(measure(label, env, token, count, min(args.warmup, count), args.concurrency, stock))
    print(f"cpus {os.cpu_count()}, concurrency {args.concurrency}, python {sys.version.split()[0]}")  # noqa: T201
    for result in results:
        print(result.line())  # noqa: T201
    print(f"ratio {results[0].rate / results[1].rate:.1f}x")  # noqa: T201
    if args.wechat_n:
        print(measure_wechat(args).line())  # noqa: T201


def measure_wechat(args: argparse.Namespace) -> Result:
    """WeChat Native creations: each one is a signed call to the emulator and a verified answer."""
    port = free_port()
    emulator_url = f"http://127.0.0.1:{port}"
    emulator = start_emulator(port)
    try:
        wait_until_up(emulator_url, emulator, path="/_control/wechat/public-key")
        with tempfile.TemporaryDirectory(prefix="paycore-bench-wechat-") as tmp:
            env = environment(Path(tmp))
            token = asyncio.run(prepare(env, wechat_emulator=emulator_url))
            return measure("paycore wechat native", env, token, args.wechat_n, min(args.warmup, args.wechat_n),
                           args.concurrency, False, "wechat")
    finally:
        stop(emulator)



if __name__ == "__main__":
    main()
