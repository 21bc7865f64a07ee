"""What bench/compare.py loads: paycore (`paycore serve --no-worker`) and the floor (bench/floor.py), each on a
fresh database, each with its own supply of orders and signed notifications."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import design_floor
from create_payment import environment, key_pair, prepare, stop, wait_until_up
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from floor import TABLE

from emulator.alipay.notifications import signed

BENCH = Path(__file__).resolve().parent
APP_ID, SELLER_ID, AMOUNT = "2021000000000042", "2088000000000042", "99.90"
PORTS = itertools.count(8500)  # this session's range: 8500-8599
SURPRISES: list[str] = []  # the targets that answered wrongly more often than not, once per run
# Dropped and made again by every run: a database of the bench's own (the environment may name another).
URLS = {"postgres": os.environ.get("PAYCORE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/paycore_perf"),
        "mysql": os.environ.get("PAYCORE_BENCH_MYSQL_URL", "mysql+asyncmy://root@127.0.0.1:3306/paycore_perf")}


async def reset_database(backend: str, url: str) -> None:
    """An empty database (PostgreSQL: schema public; MariaDB: the database itself) for the next target."""
    if backend == "postgres":
        import asyncpg

        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await conn.close()
    elif backend == "mysql":
        import asyncmy

        name = url.rsplit("/", 1)[1]
        conn = await asyncmy.connect(host="127.0.0.1", port=3306, user="root")
        async with conn.cursor() as cursor:
            await cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            await cursor.execute(f"CREATE DATABASE {name}")
        conn.close()


async def set_up_floor(database: str, statements: list[tuple[str, tuple[object, ...]]]) -> None:
    """floor_payments in the floor's database, and what else its variant needs."""
    statements = [(TABLE, ()), *statements]
    if database.startswith("postgresql"):
        import asyncpg

        conn = await asyncpg.connect(database)
        for sql, args in statements:
            await conn.execute(sql, *args)
        await conn.close()
    else:
        import aiosqlite

        async with aiosqlite.connect(database) as conn:
            await conn.execute("PRAGMA journal_mode=WAL")
            for sql, args in statements:
                await conn.execute(sql.replace("$", "?"), args)
            await conn.commit()


@dataclass
class Target:
    """One server under load, with the orders it has made and not yet been notified of."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    token: str
    alipay_key: rsa.RSAPrivateKey
    unpaid: list[str] = field(default_factory=list)
    serial: itertools.count[int] = field(default_factory=itertools.count)

    def create_bodies(self, count: int) -> tuple[list[str], list[str]]:
        """(orders, create bodies) for count orders never used before."""
        prefix = f"B{self.name[0].upper()}{self.name[-1]}{next(self.serial):03d}"
        orders = [f"{prefix}{n:08d}" for n in range(count)]
        return orders, [json.dumps({"order_no": o, "payment_type": "alipay", "pay_method": "pc",
                                    "subject": "Thesis polishing", "total_amount": AMOUNT}) for o in orders]

    def create(self, count: int, connections: int, duration: float, rate: float = 0.0) -> dict[str, object]:
        """A create load of at most count orders; those made are kept as unpaid, for notify loads."""
        orders, bodies = self.create_bodies(count)
        summary = load(self, "/v1/payments", bodies, connections, duration, rate)
        made = int(summary["count"])  # type: ignore[call-overload]
        if summary["statuses"] != {"201": made}:
            self.unexpected(summary, "201")
        else:
            self.unpaid.extend(orders[:made])
        return summary

    def notify(self, count: int, connections: int, duration: float, rate: float = 0.0) -> dict[str, object]:
        """A notify load posting count signed notifications of orders made earlier (creating more first)."""
        if len(self.unpaid) < count:
            self.create(count - len(self.unpaid), 32, 600.0)
        orders, self.unpaid = self.unpaid[:count], self.unpaid[count:]
        summary = load(self, "/v1/notify/alipay", self.notify_bodies(orders), connections, duration, rate)
        if set(summary["statuses"]) != {"200 success"}:  # type: ignore[arg-type]
            self.unexpected(summary, "200 success")
        return summary

    def unexpected(self, summary: dict[str, object], expected: str) -> None:
        """Say a run had answers it should not have; if most were, count it (the bench then exits with 1): an
        overloaded server may refuse some, a broken one answers wrongly."""
        statuses: dict[str, int] = summary["statuses"]  # type: ignore[assignment]
        print(f"  {self.name}: unexpected answers {statuses} {summary['samples']}")  # noqa: T201
        if statuses.get(expected, 0) * 2 <= sum(statuses.values()):
            SURPRISES.append(self.name)

    def notify_bodies(self, orders: list[str]) -> list[str]:
        """A signed TRADE_SUCCESS notification per order, as Alipay sends it."""
        return [urlencode(signed(notification(order), self.alipay_key)) for order in orders]

    def stop(self) -> None:
        """Stop the server."""
        stop(self.process)


def notification(order: str) -> dict[str, str]:
    """The unsigned fields of Alipay's trade_status_sync for a paid bench order."""
    at = "2026-01-01 12:00:00"
    return {"notify_time": at, "notify_type": "trade_status_sync", "notify_id": f"n{order}", "app_id": APP_ID,
            "auth_app_id": APP_ID, "charset": "utf-8", "version": "1.0", "trade_no": f"2026{order}",
            "out_trade_no": order, "trade_status": "TRADE_SUCCESS", "total_amount": AMOUNT, "seller_id": SELLER_ID,
            "subject": "Thesis polishing", "gmt_create": at, "buyer_id": "2088102177846880",
            "buyer_logon_id": "bench***@example.com", "receipt_amount": AMOUNT, "invoice_amount": AMOUNT,
            "buyer_pay_amount": AMOUNT, "point_amount": "0.00", "gmt_payment": at}


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """key as PKCS#8 PEM."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """key's public half as PEM."""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def start_paycore(backend: str, directory: Path, workers: int, alipay_key: rsa.RSAPrivateKey,
                  name: str = "paycore", settings: dict[str, str] | None = None) -> Target:
    """`paycore serve --workers N --no-worker` on a fresh database with a default Alipay config (and settings)."""
    env = environment(directory) | (settings or {})
    if backend in URLS:
        env["PAYCORE_DATABASE_URL"] = URLS[backend]
        asyncio.run(reset_database(backend, URLS[backend]))
    token = asyncio.run(prepare(env, alipay_public=public_pem(alipay_key)))
    port = next(PORTS)
    command = [str(Path(sys.executable).parent / "paycore"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--no-worker"]
    with (directory / f"{name}.log").open("ab") as log:  # its WARNINGs (forged notifications) off the terminal
        process = subprocess.Popen(command, env=env, cwd=BENCH.parent, stderr=log)  # noqa: S603 - our own command
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process)
    return Target(name, url, process, token, alipay_key)


# The floor's variants: a name each (its first and last letters start its order numbers) → (its module, the
# layers of paycore's stack it runs through: bench/stack_floor.py)
STACKS = {"litestar": ("stack_floor", "litestar"), "sqlalchemy": ("stack_floor", "sqlalchemy"),
          "stack": ("stack_floor", "litestar,sqlalchemy"), "design": ("design_floor", "")}


def start_floor(backend: str, directory: Path, alipay_key: rsa.RSAPrivateKey, workers: int = 2,
                stack: str = "") -> Target:
    """bench/floor.py in `workers` uvicorn processes, on the same kind of database as paycore; or, with stack (a
    key of STACKS), that variant of the floor (bench/stack_floor.py, bench/design_floor.py)."""
    name = stack or "floor"
    database = (URLS[backend].replace("+asyncpg", "") if backend == "postgres" else str(directory / f"{name}.db"))
    module, layers = STACKS.get(stack, ("floor", ""))
    asyncio.run(set_up_floor(database, design_floor.SETUP if module == "design_floor" else []))
    keys = directory / "floor-keys.json"
    keys.write_text(json.dumps({"app_id": APP_ID, "private_key": key_pair()[0],
                                "alipay_public_key": public_pem(alipay_key)}), encoding="utf-8")
    port = next(PORTS)
    command = [sys.executable, "-m", "uvicorn", f"{module}:app", "--app-dir", str(BENCH), "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    env = {"FLOOR_DATABASE": database, "FLOOR_KEYS": str(keys), "FLOOR_LAYERS": layers, "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(command, env=env, cwd=BENCH)  # noqa: S603 - our own interpreter and app
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, path="/")
    return Target(name, url, process, "", alipay_key)


def load(target: Target, path: str, bodies: list[str], connections: int, duration: float,
         rate: float = 0.0) -> dict[str, object]:
    """bench/load.py against target in its own process; its summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".bodies", encoding="utf-8", delete=False) as f:
        f.write("\n".join(json.dumps(b) for b in bodies))
    command = [sys.executable, str(BENCH / "load.py"), target.url, path, "--bodies", f.name, "--token", target.token,
               "--connections", str(connections), "--duration", str(duration), "--rate", str(rate)]
    if path == "/v1/payments":
        command.append("--json")
    else:
        command.append("--notify")
    try:
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    finally:
        Path(f.name).unlink()
    summary: dict[str, object] = json.loads(out)
    return summary
