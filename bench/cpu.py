"""Server CPU per request, one connection, builds interleaved: what bench/compare.py cannot see on a shared machine.

    .venv/bin/python bench/cpu.py --tree before=/tmp/paycore-before --tree after=. --backends sqlite,postgres

Each tree (a checkout of paycore: `git archive <commit> | tar -x -C DIR` makes one) is served by its own
`paycore serve --workers 1 --no-worker`, all on the same fresh database (SQLite file; PostgreSQL
`$PAYCORE_TEST_POSTGRES_URL`), prepared once by this tree's code. Rounds alternate the trees, the order flipping
each round: each posts `--n` creates, then `--n` signed notifications for those orders, over one kept-alive
connection, so nothing queues. The figure is the server process's CPU (utime + stime from /proc, every thread:
event loop, SQLite's thread, the signing pool) over the requests, in ms per request; and the wall-time p50.
Other load on the machine changes wall time much more than CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import targets
from create_payment import environment, prepare, stop, wait_until_up
from cryptography.hazmat.primitives.asymmetric import rsa
from targets import Target

TICK = os.sysconf("SC_CLK_TCK")
PORTS = iter(range(8640, 8700))  # apart from compare.py's 8500-8599


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(name: str, tree: Path, env: dict[str, str], token: str, key: rsa.RSAPrivateKey, log: Path) -> Target:
    """`paycore serve` of tree's code on env's database."""
    port = next(PORTS)
    command = [sys.executable, "-c", "from entrypoints.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--no-worker"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env={**env, "PYTHONPATH": str(tree)}, cwd=tree,  # noqa: S603
                                   stderr=out)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process)
    return Target(name, url, process, token, key)


def measured(server: Target, mode: str, n: int) -> tuple[float, float]:
    """(server CPU ms per request, p50 ms) of n requests over one connection."""
    before = cpu_seconds(server.process.pid)
    summary = server.create(n, 1, 600.0) if mode == "create" else server.notify(n, 1, 600.0)
    spent = cpu_seconds(server.process.pid) - before
    count = int(summary["count"])  # type: ignore[call-overload]
    return spent * 1000 / count, float(summary["p50_ms"])  # type: ignore[arg-type]


def database(backend: str, directory: Path) -> dict[str, str]:
    """The servers' environment on a fresh database."""
    env = environment(directory)
    if backend == "postgres":
        url = os.environ.get("PAYCORE_TEST_POSTGRES_URL", "")
        if not url:
            raise SystemExit("set PAYCORE_TEST_POSTGRES_URL for --backends postgres")
        asyncio.run(targets.reset_database("postgres", url))
        env["PAYCORE_DATABASE_URL"] = url
    return env


def bench(backend: str, trees: dict[str, Path], n: int, rounds: int) -> None:
    """Every tree on one backend, interleaved; prints each tree's per-round figures and medians."""
    with tempfile.TemporaryDirectory(prefix="paycore-cpu-") as tmp:
        env = database(backend, Path(tmp))
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = asyncio.run(prepare(env, alipay_public=targets.public_pem(key)))
        servers = [start(name, tree, env, token, key, Path(tmp) / f"{name}.log") for name, tree in trees.items()]
        results: dict[str, dict[str, list[tuple[float, float]]]] = {
            s.name: {"create": [], "notify": []} for s in servers}
        try:
            for server in servers:  # warm-up, unmeasured
                measured(server, "create", n // 4)
                measured(server, "notify", n // 4)
            for i in range(rounds):
                for server in servers if i % 2 == 0 else servers[::-1]:
                    for mode in ("create", "notify"):
                        results[server.name][mode].append(measured(server, mode, n))
        finally:
            for server in servers:
                stop(server.process)
        for name, modes in results.items():
            for mode, runs in modes.items():
                cpu = statistics.median(c for c, _ in runs)
                p50 = statistics.median(p for _, p in runs)
                each = ", ".join(f"{c:.2f}" for c, _ in runs)
                print(f"{backend:<9} {mode:<7} {name:<12} CPU {cpu:5.2f} ms/request ({each})  "  # noqa: T201
                      f"p50 {p50:5.2f} ms", flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", required=True, help="NAME=DIR, a paycore checkout to serve")
    parser.add_argument("--backends", default="sqlite", help="sqlite,postgres")
    parser.add_argument("--n", type=int, default=400, help="requests per measured run")
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Bench every backend."""
    args = parse_args(argv)
    trees = {name: Path(path).resolve() for name, _, path in (t.partition("=") for t in args.tree)}
    for backend in args.backends.split(","):
        bench(backend, trees, args.n, args.rounds)


if __name__ == "__main__":
    main()
