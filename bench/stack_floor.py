"""The floor's work (bench/floor.py) through paycore's stack, one layer or both: what the stack alone costs.

    FLOOR_LAYERS=litestar,sqlalchemy FLOOR_DATABASE=... FLOOR_KEYS=keys.json \\
        uvicorn stack_floor:app --app-dir bench --workers 2

- `litestar`: the same two endpoints as Litestar route handlers: the create body decoded by Litestar into the
  same msgspec Struct, the answer a dict that Litestar encodes; the notify body read from the request.
- `sqlalchemy`: the same statements through an SQLAlchemy 2 `AsyncEngine` (`text()`, autocommit, as the floor's
  one statement per transaction; on SQLite one pooled connection per process, as the floor's one connection).

Nothing of paycore's own is here: no guard, no middleware, no unit of work, no journal. The distance from the
floor to this is what the mandated stack costs by itself; from this to paycore, what paycore does on top.
"""

from __future__ import annotations

import os
import re
from typing import Any

from floor import CreateBody, Floor
from litestar import Litestar, MediaType, Request, Response, get, post
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import TextClause


class SqlAlchemyFloor(Floor):
    """The floor, its statements run by SQLAlchemy's async engine instead of the raw driver."""

    engine: AsyncEngine
    statements: dict[str, TextClause]

    async def connect(self) -> None:
        """An AsyncEngine: 8 asyncpg connections, or one aiosqlite connection (WAL, busy timeout), a process."""
        self.statements = {}
        if self.database.startswith("postgresql"):
            url = self.database.replace("postgresql://", "postgresql+asyncpg://", 1)
            # 8 a process, not the floor's 16: with paycore's and the floor's, PostgreSQL's 100 would not do
            self.engine = create_async_engine(url, pool_size=8, max_overflow=0, isolation_level="AUTOCOMMIT",
                                              pool_reset_on_return=None)
            return
        self.engine = create_async_engine(f"sqlite+aiosqlite:///{self.database}", pool_size=1, max_overflow=0,
                                          isolation_level="AUTOCOMMIT", pool_reset_on_return=None)

        @event.listens_for(self.engine.sync_engine, "connect")
        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    async def execute(self, sql: str, *args: object) -> int:
        """One statement through the engine; the rows it touched."""
        statement = self.statements.get(sql)
        if statement is None:
            statement = self.statements[sql] = text(re.sub(r"\$(\d+)", r":p\1", sql))
        async with self.engine.connect() as conn:
            result = await conn.execute(statement, {f"p{n}": arg for n, arg in enumerate(args, 1)})
            return int(result.rowcount)


def litestar_app(floor: Floor) -> Litestar:
    """floor's two endpoints (and `GET /` for the bench's readiness poll) as Litestar handlers."""

    @post("/v1/payments", status_code=201)
    async def create(data: CreateBody) -> dict[str, str]:
        return await floor.made(data)

    @post("/v1/notify/alipay", status_code=200)
    async def notify(request: Request[Any, Any, Any]) -> Response[bytes]:
        status, _media, answer = await floor.notify(await request.body())
        return Response(answer, status_code=status, media_type=MediaType.TEXT)

    @get("/", media_type=MediaType.TEXT)
    async def up() -> str:
        return "ok"

    return Litestar([create, notify, up], on_startup=[floor.connect], openapi_config=None)


def build(layers: set[str]) -> Any:
    """The ASGI app with the layers named."""
    floor = SqlAlchemyFloor() if "sqlalchemy" in layers else Floor()
    return litestar_app(floor) if "litestar" in layers else floor


app = build(set(os.environ.get("FLOOR_LAYERS", "").split(","))) if "FLOOR_KEYS" in os.environ else None
