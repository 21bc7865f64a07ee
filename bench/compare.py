"""paycore against its floor, under the same load, for create and notify, on SQLite, PostgreSQL and MariaDB.

    .venv/bin/python bench/compare.py                       # everything: 15 min or more
    .venv/bin/python bench/compare.py --backends sqlite --modes create,notify --runs 3 --duration 5
    .venv/bin/python bench/compare.py --smoke               # about a minute, for CI: no thresholds

paycore is `paycore serve --workers 2 --no-worker`, on a fresh database with a default Alipay config holding real
RSA-2048 keys (no merchant account, no provider called: page pay is a signed URL). The floor is bench/floor.py in
2 uvicorn workers: only the unavoidable work. `--stack` runs variants of the floor beside them: its work through
paycore's stack (bench/stack_floor.py: `litestar`, `sqlalchemy`'s async engine, or both: `stack`), what the stack
alone costs; or with the statements paycore's design adds, on the raw driver (bench/design_floor.py: `design`).
The load is bench/load.py in its own process, `--connections` kept-alive connections. Runs of the servers
alternate; each line is the median of `--runs` runs (after one unmeasured warm-up each), and a ratio is that
server's median throughput over the floor's.

Modes: `create`; `notify` (each run posts its own slice of signed TRADE_SUCCESS notifications, once, for orders
created and so far unpaid); `open` (open loop at half the floor's median rate from the same run, or at
`--open-rate`: the p99 when not saturated); `flood` (paycore's creates alone, then while another client floods the
notify endpoint with forged notifications: bad signatures and unknown orders).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import targets
from cryptography.hazmat.primitives.asymmetric import rsa
from targets import Target, start_floor, start_paycore

Summary = dict[str, object]


def median(runs: list[Summary], key: str) -> float:
    """The median of key over runs."""
    return statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]


def line(label: str, runs: list[Summary]) -> str:
    """A target's medians."""
    return (f"{label:<9} {median(runs, 'rate'):7.0f}/s  p50 {median(runs, 'p50_ms'):6.1f} ms  "
            f"p99 {median(runs, 'p99_ms'):6.1f} ms")


def report(title: str, results: dict[str, list[Summary]]) -> None:
    """One row: every target's medians and each one's ratio to the floor."""
    floor = median(results["floor"], "rate") if "floor" in results else 0.0
    parts = [line(name, runs) + (f"  ratio {median(runs, 'rate') / floor:4.2f}" if floor and name != "floor" else "")
             for name, runs in results.items()]
    print(f"{title:<26} " + "  |  ".join(parts), flush=True)  # noqa: T201


def interleaved(servers: list[Target], runs: int, once: Callable[[Target], Summary]) -> dict[str, list[Summary]]:
    """A warm-up each, then runs of each server in turn (the order flipping every round)."""
    for server in servers:
        once(server)
    results: dict[str, list[Summary]] = {s.name: [] for s in servers}
    for i in range(runs):
        for server in servers if i % 2 == 0 else servers[::-1]:
            results[server.name].append(once(server))
    return results


def forged_bodies(target: Target, count: int) -> list[str]:
    """Notifications anyone could post: half with a bad signature for a real order, half for unknown orders."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not Alipay's
    stranger = Target("forger", target.url, target.process, "", key)
    real = target.unpaid[:1] or ["BNOSUCHORDER"]
    return [stranger.notify_bodies([real[0] if n % 2 else f"BFORGED{n:08d}"])[0] for n in range(min(count, 400))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def flooder(paycore: Target, args: argparse.Namespace, bodies_file: str) -> subprocess.Popen[str]:
    """A client posting forged notifications on 16 connections, closed loop, for a bit longer than a run."""
    command = [sys.executable, str(targets.BENCH / "load.py"), paycore.url, "/v1/notify/alipay", "--bodies",
               bodies_file, "--connections", "16", "--duration", str(args.duration + 1), "--notify"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own script


def flood(paycore: Target, args: argparse.Namespace) -> None:
    """Creates alone and during a flood of forged notifications, interleaved; then what a flood alone costs."""
    alone: list[Summary] = []
    flooded: list[Summary] = []
    floods: list[Summary] = []
    cpu: list[float] = []
    bodies = forged_bodies(paycore, 400) * (args.flood_n // 400 + 1)
    with tempfile.NamedTemporaryFile("w", suffix=".bodies", encoding="utf-8", delete=False) as f:
        f.write("\n".join(targets.json.dumps(b) for b in bodies[:args.flood_n]))
    for _ in range(args.runs):
        alone.append(paycore.create(100_000, args.connections, args.duration))
        running = flooder(paycore, args, f.name)
        flooded.append(paycore.create(100_000, args.connections, args.duration))
        floods.append(targets.json.loads(running.communicate()[0]))
        before, running = cpu_seconds(paycore.process.pid), flooder(paycore, args, f.name)
        alone_flood = targets.json.loads(running.communicate()[0])
        cpu.append((cpu_seconds(paycore.process.pid) - before) / float(alone_flood["seconds"]))
    Path(f.name).unlink()
    report("create alone", {"paycore": alone})
    report("create during a flood", {"paycore": flooded})
    report("  (the flood itself)", {"forged": floods})
    print(f"{'flood / alone':<26} throughput {median(flooded, 'rate') / median(alone, 'rate'):4.2f}  "  # noqa: T201
          f"p99 {median(flooded, 'p99_ms'):.1f} ms vs {median(alone, 'p99_ms'):.1f} ms", flush=True)
    print(f"{'a flood alone costs':<26} {100 * statistics.median(cpu):5.1f}% of a core of paycore's CPU "  # noqa: T201
          "(median over runs)", flush=True)


def bench_backend(backend: str, args: argparse.Namespace, tmp: Path) -> None:
    """Every mode asked for, on one backend."""
    alipay_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp / backend).mkdir()
    settings = dict(item.split("=", 1) for item in args.paycore_setting)
    servers = [start_paycore(backend, tmp / backend, args.workers, alipay_key, settings=settings)]
    try:
        if backend != "mysql":
            servers.append(start_floor(backend, tmp / backend, alipay_key))
            servers += [start_floor(backend, tmp / backend, alipay_key, stack=stack) for stack in args.stack]
        if backend == "sqlite" and args.one_worker:
            (tmp / "sqlite1").mkdir()
            servers.insert(1, start_paycore(backend, tmp / "sqlite1", 1, alipay_key, name="paycore1",
                                            settings=settings))
        c, d = args.connections, args.duration
        floor_rates: dict[str, float] = {}
        for mode in ("create", "notify"):
            if mode not in args.modes:
                continue
            def once(s: Target, mode: str = mode) -> Summary:
                return s.create(100_000, c, d) if mode == "create" else s.notify(args.notify_n, c, d)
            results = interleaved(servers, args.runs, once)
            report(f"{backend} {mode} ({c} conn)", results)
            if "floor" in results:
                floor_rates[mode] = median(results["floor"], "rate")
        if "open" in args.modes:
            for mode in ("create", "notify"):
                rate = args.open_rate or (floor_rates.get(mode) or 200.0) / 2
                def fixed(s: Target, mode: str = mode, rate: float = rate) -> Summary:
                    n = int(rate * d) + 1
                    return s.create(n, c * 2, d, rate) if mode == "create" else s.notify(n, c * 2, d, rate)
                report(f"{backend} {mode} @{rate:.0f}/s", interleaved(servers, args.runs, fixed))
        if "flood" in args.modes:
            flood(servers[0], args)
    finally:
        for server in servers:
            server.stop()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres,mysql", help="of sqlite, postgres, mysql")
    parser.add_argument("--modes", default="create,notify,open,flood", help="of create, notify, open, flood")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="paycore serve --workers")
    parser.add_argument("--one-worker", action="store_true", help="on SQLite, also paycore with --workers 1")
    parser.add_argument("--notify-n", type=int, default=1500, help="notifications per notify run (its slice)")
    parser.add_argument("--open-rate", type=float, default=0.0,
                        help="the open loop's rate (default: half the floor's median from the same run)")
    parser.add_argument("--flood-n", type=int, default=20_000, help="forged notifications per flood run, at most")
    parser.add_argument("--paycore-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment setting for paycore, e.g. PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS=0")
    parser.add_argument("--stack", default="", help="also variants of the floor: any of "
                        f"{', '.join(targets.STACKS)} (stack: litestar and sqlalchemy together; design: the "
                        "statements of paycore's design on the raw driver)")
    parser.add_argument("--smoke", action="store_true", help="one short run of each mode on SQLite (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.backends, args.runs, args.duration, args.notify_n, args.flood_n = "sqlite", 1, 0.5, 50, 200
        args.stack = ",".join(targets.STACKS)
    args.backends, args.modes = args.backends.split(","), args.modes.split(",")
    args.stack = [name for name in args.stack.split(",") if name]
    if unknown := set(args.stack) - set(targets.STACKS):
        parser.error(f"--stack: no such stack {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run every backend and mode asked for, printing a row each."""
    args = parse_args(argv)
    print(f"cpus {os.cpu_count()}, python {sys.version.split()[0]}, {args.runs} runs of {args.duration} s, "  # noqa: T201
          f"paycore --workers {args.workers}", flush=True)
    with tempfile.TemporaryDirectory(prefix="paycore-compare-") as tmp:
        for backend in args.backends:
            bench_backend(backend, args, Path(tmp))
    if targets.SURPRISES:  # a server that answers wrongly must not pass as a benchmark (nor the CI smoke)
        raise SystemExit(f"unexpected answers from {', '.join(sorted(set(targets.SURPRISES)))}")


if __name__ == "__main__":
    main()
