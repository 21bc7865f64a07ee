"""The load client of bench/compare.py, run as its own process so it stays out of the server's way.

    python bench/load.py URL PATH --bodies FILE [--token T] [--connections 32] [--duration 5] [--rate R]

Each line of FILE (JSON-escaped: one JSON string per line) is one request body, posted once, in order. Closed
loop (default): `connections` kept-alive HTTP/1.1 connections post back to back until the bodies run out or
`duration` seconds pass. Open loop (`--rate R`): request i is due at start + i/R whatever happened before
(wrk2-style); its latency counts from when it was due, so a server that falls behind pays for the queue too.
Prints one JSON object: count, seconds, rate, p50_ms, p99_ms, statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit


class Connection:
    """One kept-alive HTTP/1.1 connection speaking just enough HTTP for this load (like wrk, not a browser)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, url: str, path: str, token: str | None, content_type: str) -> Connection:
        """Connect to url's host and port, for POSTs to path."""
        parsed = urlsplit(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}Content-Type: {content_type}\r\n".encode()
        return cls(reader, writer, head)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """POST body; (status, response body)."""
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(lines[0].split()[1]), await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        """Close the connection."""
        self.writer.close()


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of sorted seconds, in milliseconds."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0


async def run(args: argparse.Namespace, bodies: list[bytes]) -> dict[str, object]:
    """Post every body once (or until the duration passes); the summary."""
    content_type = "application/json" if args.json else "application/x-www-form-urlencoded; charset=utf-8"
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(args.connections):
        pool.put_nowait(await Connection.open(args.url, args.path, args.token, content_type))
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    samples: list[str] = []
    started = time.perf_counter()
    deadline = started + args.duration

    async def one(body: bytes, due: float) -> None:
        connection = await pool.get()
        try:
            status, answer = await connection.post(body)
        finally:
            pool.put_nowait(connection)
        latencies.append(time.perf_counter() - due)
        statuses[f"{status} {answer[:16].decode('latin-1')}" if args.notify else str(status)] += 1
        if status >= 500 and len(samples) < 3:
            samples.append(answer[:300].decode("latin-1"))

    if args.rate:
        tasks = []
        for i, body in enumerate(bodies):
            due = started + i / args.rate
            if due > deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(body, due)))
        await asyncio.gather(*tasks)
    else:
        feed = iter(bodies)

        async def client() -> None:  # the bodies posted are always a prefix of the file's
            while time.perf_counter() < deadline and (body := next(feed, None)) is not None:
                await one(body, time.perf_counter())

        await asyncio.gather(*(client() for _ in range(args.connections)))
    seconds = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait().close()
    ordered = sorted(latencies)
    return {"count": len(ordered), "seconds": seconds, "rate": len(ordered) / seconds,
            "p50_ms": percentile(ordered, 50), "p99_ms": percentile(ordered, 99), "statuses": dict(statuses),
            "samples": samples}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("path")
    parser.add_argument("--bodies", required=True, help="a file of JSON strings, one request body per line")
    parser.add_argument("--token")
    parser.add_argument("--json", action="store_true", help="JSON bodies (default: form-encoded)")
    parser.add_argument("--notify", action="store_true", help="count answers by their first bytes too")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=0.0, help="open loop at this many requests/s")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Load, then print the summary as JSON."""
    args = parse_args(argv)
    with open(args.bodies, encoding="utf-8") as f:
        bodies = [json.loads(line).encode() for line in f if line.strip()]
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the client works on asyncio's own loop too, only with more CPU per request
        pass
    print(json.dumps(asyncio.run(run(args, bodies))))  # noqa: T201
    sys.stdout.flush()


if __name__ == "__main__":
    main()
