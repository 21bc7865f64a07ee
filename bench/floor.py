"""The floor of bench/compare.py: only the work a create or a notify cannot avoid, as a bare ASGI app.

    FLOOR_DATABASE=... FLOOR_KEYS=keys.json uvicorn floor:app --app-dir bench --workers 2

- POST /v1/payments: msgspec validation of paycore's create body, one RSA2 signature (`cryptography`, in a
  thread as paycore does) of the same Alipay page-pay URL, one INSERT of a payment-sized row with the raw driver
  (aiosqlite or asyncpg), a JSON answer.
- POST /v1/notify/alipay: the signed notification verified with the Alipay public key, the app id checked, one
  conditional UPDATE (pending → paid, same order and amount), `success`.

FLOOR_DATABASE is a SQLite file path or a postgresql:// DSN; the table `floor_payments` exists already.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote_plus

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TABLE = """CREATE TABLE IF NOT EXISTS floor_payments (order_no VARCHAR(64) PRIMARY KEY, config_id INTEGER,
payment_type VARCHAR(16), pay_method VARCHAR(16), subject VARCHAR(256), total_amount BIGINT, status VARCHAR(16),
provider_trade_no VARCHAR(64), pay_url TEXT, created_at VARCHAR(40), updated_at VARCHAR(40))"""
INSERT = ("INSERT INTO floor_payments (order_no, config_id, payment_type, pay_method, subject, total_amount, status, "
          "pay_url, created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, 'pending', $6, $7, $7)")
UPDATE = ("UPDATE floor_payments SET status = 'paid', provider_trade_no = $1, updated_at = $2 "
          "WHERE order_no = $3 AND total_amount = $4 AND status = 'pending'")


class CreateBody(msgspec.Struct, forbid_unknown_fields=True):
    """paycore's create body, as far as the bench sends it."""

    order_no: str
    payment_type: str
    pay_method: str
    subject: str
    total_amount: str


def fen(amount: str) -> int:
    """"99.90" → 9990."""
    yuan, _, cents = amount.partition(".")
    return int(yuan) * 100 + int(cents.ljust(2, "0")[:2])


class Floor:
    """The ASGI app: one database handle and the keys per process."""

    def __init__(self) -> None:
        with open(os.environ["FLOOR_KEYS"], encoding="utf-8") as f:
            keys = json.load(f)
        self.app_id: str = keys["app_id"]
        key = serialization.load_pem_private_key(keys["private_key"].encode(), password=None)
        public = serialization.load_pem_public_key(keys["alipay_public_key"].encode())
        assert isinstance(key, rsa.RSAPrivateKey)
        assert isinstance(public, rsa.RSAPublicKey)
        self.key, self.alipay = key, public
        self.database = os.environ["FLOOR_DATABASE"]
        self.db: Any = None
        self.decoder = msgspec.json.Decoder(CreateBody)

    async def connect(self) -> None:
        """One aiosqlite connection (WAL, autocommit per statement) or an asyncpg pool, per process."""
        if self.database.startswith("postgresql"):
            import asyncpg

            self.db = await asyncpg.create_pool(self.database, min_size=4, max_size=16)
        else:
            import aiosqlite

            self.db = await aiosqlite.connect(self.database, isolation_level=None)
            await self.db.execute("PRAGMA journal_mode=WAL")
            await self.db.execute("PRAGMA busy_timeout=5000")

    async def execute(self, sql: str, *args: object) -> int:
        """Run one statement; the rows it touched."""
        if self.database.startswith("postgresql"):
            status: str = await self.db.execute(sql, *args)
            return int(status.rsplit(" ", 1)[-1])
        cursor = await self.db.execute(sql.replace("$", "?"), args)  # ?1, ?2… are SQLite's numbered parameters
        return int(cursor.rowcount)

    def sign(self, content: str) -> str:
        """RSA2 over content."""
        return base64.b64encode(self.key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    async def create(self, body: bytes) -> tuple[int, bytes, bytes]:
        """Validate, sign the page-pay URL, insert."""
        try:
            data = self.decoder.decode(body)
        except msgspec.ValidationError as e:
            return 400, b"application/json", msgspec.json.encode({"code": "VALIDATION_ERROR", "message": str(e)})
        return 201, b"application/json", msgspec.json.encode(await self.made(data))

    async def made(self, data: CreateBody) -> dict[str, str]:
        """Sign the page-pay URL of a validated body, insert its row; the answer."""
        url = await self.page_pay_url(data)
        await self.execute(INSERT, data.order_no, data.payment_type, data.pay_method, data.subject,
                           fen(data.total_amount), url, datetime.now(UTC).isoformat())
        return {"order_no": data.order_no, "status": "pending", "total_amount": data.total_amount, "pay_url": url}

    async def page_pay_url(self, data: CreateBody) -> str:
        """The signed Alipay page-pay URL of a validated body (signed in a thread)."""
        now = datetime.now(UTC).isoformat()
        biz = json.dumps({"out_trade_no": data.order_no, "total_amount": data.total_amount, "subject": data.subject,
                          "product_code": "FAST_INSTANT_TRADE_PAY"}, ensure_ascii=False, separators=(",", ":"))
        params = {"app_id": self.app_id, "method": "alipay.trade.page.pay", "charset": "utf-8", "sign_type": "RSA2",
                  "timestamp": now[:19].replace("T", " "), "version": "1.0", "biz_content": biz,
                  "notify_url": "https://pay.example/v1/notify/alipay", "return_url": "https://shop.example/paid"}
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["sign"] = await asyncio.to_thread(self.sign, content)
        return "https://openapi.alipay.com/gateway.do?" + "&".join(f"{k}={quote_plus(v)}" for k, v in params.items())

    async def notify(self, body: bytes) -> tuple[int, bytes, bytes]:
        """Verify, check the app id, update once."""
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        content = "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k not in ("sign", "sign_type"))
        try:
            self.alipay.verify(base64.b64decode(form.get("sign", "")), content.encode(), padding.PKCS1v15(),
                               hashes.SHA256())
        except (InvalidSignature, ValueError):
            return 200, b"text/plain", b"fail"
        if form.get("app_id") != self.app_id:
            return 200, b"text/plain", b"fail"
        if form.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED") and not await self.paid(form):
            return 200, b"text/plain", b"fail"
        return 200, b"text/plain", b"success"

    async def paid(self, form: dict[str, str]) -> bool:
        """Apply a verified payment notification once; whether to answer `success`."""
        await self.execute(UPDATE, form["trade_no"], datetime.now(UTC).isoformat(), form["out_trade_no"],
                           fen(form["total_amount"]))
        return True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.connect()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        route = {"/v1/payments": self.create, "/v1/notify/alipay": self.notify}.get(scope["path"])
        status, media, answer = await route(body) if route else (200, b"text/plain", b"ok")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", media), (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})


app = Floor() if "FLOOR_KEYS" in os.environ else None  # importable without a floor to serve
