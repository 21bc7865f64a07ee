"""The `paycore` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import Sequence
from importlib import metadata

from application.errors import SecretUnreadable
from entrypoints.cli_admin import admin_parsers, migrate
from entrypoints.cli_reconcile import reconcile_parser
from entrypoints.settings import Settings, SettingsError, load_settings


def _migrate(settings: Settings) -> None:
    """Bring the database to the newest schema, said in one line."""
    migrate(settings)
    print(f"paycore: database ready (newest schema): {_safe_url(settings.database_url)}", file=sys.stderr)


def _require_master_key(settings: Settings) -> None:
    """Refuse to start without a master key, before anything touches the database (no file is created)."""
    from entrypoints.container import make_secret_box

    make_secret_box(settings)


def _require_free_ports(host: str, ports: Sequence[tuple[int, str]]) -> None:
    """SettingsError naming the option to change when a port is already taken, before anything is printed."""
    for port, option in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                sock.bind((host, port))
            except OSError as e:
                raise SettingsError(f"port {port} on {host} is taken ({e.strerror}); choose another one with "
                                    f"{option} {port + 1}, or stop what listens there") from e


def cmd_migrate(args: argparse.Namespace) -> int:
    """alembic upgrade head on PAYCORE_DATABASE_URL."""
    settings = load_settings()
    migrate(settings)
    print(f"database is at the newest schema: {_safe_url(settings.database_url)}")
    return 0


def _check_secrets(settings: Settings) -> None:
    """Stop before serving when the master key is missing or does not open the stored secrets."""
    from entrypoints.container import build_container

    async def check() -> None:
        container = build_container(settings)
        try:
            await container.stored_secrets().check()
        finally:
            await container.engine().dispose()

    try:
        asyncio.run(check())
    except SecretUnreadable as e:
        raise SettingsError(f"{e.message}. Set PAYCORE_MASTER_KEYS to the key(s) that encrypted them.") from e


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API (migrating SQLite first), after checking the master key opens the stored secrets."""
    import uvicorn

    from entrypoints.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _require_master_key(settings)
    _require_free_ports(args.host, [(args.port, "--port")])
    if settings.is_sqlite:
        _migrate(settings)
    _check_secrets(settings)
    workers = args.workers
    _choose_in_process_worker(args.no_worker, workers)
    if workers > 1:
        _share_metrics()
    uvicorn.run("entrypoints.asgi:app_from_env", factory=True, host=args.host, port=args.port,
                workers=workers, log_level=settings.log_level.lower(), access_log=False,
                log_config=None)  # uvicorn's loggers then go through paycore's redacting handler
    return 0


def _share_metrics() -> None:
    """Several API processes: their metrics go to files in one directory, so /metrics sums them all (set
    PROMETHEUS_MULTIPROC_DIR yourself, to the same empty directory, to include a `paycore worker` too)."""
    import tempfile

    from entrypoints.metrics import MULTIPROC_ENV

    if not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="paycore-metrics-")


def _choose_in_process_worker(no_worker: bool, workers: int) -> None:
    """Background jobs run inside `serve` only with one API process; with more, run `paycore worker`."""
    from entrypoints.asgi import IN_PROCESS_WORKER

    os.environ[IN_PROCESS_WORKER] = "0" if no_worker or workers > 1 else "1"
    if not no_worker and workers > 1:
        print(f"paycore: with --workers {workers} the background jobs (webhooks, …) do not run in-process; "
              "run `paycore worker` beside the API", file=sys.stderr)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background jobs alone until SIGINT or SIGTERM."""
    import signal

    from entrypoints.container import build_container
    from entrypoints.logs import configure_logging
    from entrypoints.worker import build_worker

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _require_master_key(settings)
    if args.metrics_port:
        _require_free_ports(args.metrics_host, [(args.metrics_port, "--metrics-port")])
    if settings.is_sqlite:
        _migrate(settings)
    _check_secrets(settings)

    async def run() -> None:
        container = build_container(settings)
        worker = build_worker(container)
        if args.metrics_port:  # its own /metrics (prometheus-client's server, on a thread)
            from prometheus_client import start_http_server

            start_http_server(args.metrics_port, addr=args.metrics_host, registry=container.metrics().view())
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await worker.start()
        try:
            await stop.wait()
        finally:
            await worker.stop()
            await container.engine().dispose()

    asyncio.run(run())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """SQLite + the provider emulator + a demo config pointing at it + keys, all served from one process."""
    from entrypoints.demo import demo_master_key_file, serve_demo
    from entrypoints.logs import configure_logging

    _require_free_ports(args.host, [(args.port, "--port"), (args.emulator_port, "--emulator-port")])
    os.environ.setdefault("PAYCORE_DATABASE_URL", "sqlite+aiosqlite:///./paycore-demo.db")
    if not os.environ.get("PAYCORE_MASTER_KEYS"):
        os.environ.setdefault("PAYCORE_MASTER_KEY_FILE", demo_master_key_file())
    os.environ.setdefault("PAYCORE_PUBLIC_URL", f"http://127.0.0.1:{args.port}")
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _migrate(settings)
    _check_secrets(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_demo(settings, args.host, args.port, args.emulator_port, worker=not args.no_worker))
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    """The offline Alipay (and WeChat Pay) emulator alone."""
    from emulator.app import main as emulator_main

    argv = ["--host", args.host, "--port", str(args.port)]
    if args.time_scale is not None:
        argv += ["--time-scale", str(args.time_scale)]
    emulator_main(argv)
    return 0


def _safe_url(url: str) -> str:
    """A database URL without its password."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, creds = head.partition("://")
    return f"{scheme}://{creds.partition(':')[0]}:***@{tail}"


def parser() -> argparse.ArgumentParser:
    """The command line's grammar: every option says what it does and its default."""
    helpful = DefaultsShown
    p = argparse.ArgumentParser(prog="paycore", description="A payment service for Alipay and WeChat Pay v3.",
                                formatter_class=helpful)
    p.add_argument("--version", action="version", version=f"paycore {package_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def server_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--host", default="127.0.0.1", help="the address the API listens on")
        sp.add_argument("--port", type=int, default=8000, help="the port the API listens on")
        sp.add_argument("--workers", type=int, default=1,
                        help="API processes (on SQLite they share the one database file)")
        sp.add_argument("--no-worker", action="store_true",
                        help="do not run the background jobs (webhooks, expiry, syncs) in this process")

    serve = sub.add_parser("serve", help="run the HTTP API", formatter_class=helpful)
    server_args(serve)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="upgrade the database schema", formatter_class=helpful).set_defaults(
        func=cmd_migrate)
    worker = sub.add_parser("worker", help="run the background jobs (webhook delivery, …) alone",
                            formatter_class=helpful)
    worker.add_argument("--metrics-port", type=int, default=0,
                        help="serve this worker's Prometheus metrics on this port (0: off)")
    worker.add_argument("--metrics-host", default="127.0.0.1", help="the address for --metrics-port")
    worker.set_defaults(func=cmd_worker)
    demo = sub.add_parser("demo", help="a ready-to-try paycore: SQLite, the provider emulator, demo configs",
                          formatter_class=helpful)
    server_args(demo)
    demo.add_argument("--emulator-port", type=int, default=9100,
                      help="the port of the offline Alipay and WeChat Pay emulator")
    demo.set_defaults(func=cmd_demo)
    emulator = sub.add_parser("emulator", help="run the offline Alipay + WeChat Pay emulator alone",
                              formatter_class=helpful)
    emulator.add_argument("--host", default="127.0.0.1", help="the address the emulator listens on")
    emulator.add_argument("--port", type=int, default=9100, help="the port the emulator listens on")
    emulator.add_argument("--time-scale", type=float, default=None,
                          help="multiply the providers' notification retry delays (0.001 makes minutes ms)")
    emulator.set_defaults(func=cmd_emulator)
    admin_parsers(sub, helpful)
    reconcile_parser(sub, helpful)
    return p


class DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default at the end of its help, unless the help says it in words already or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default" in text or action.default is None or action.required:
            return text
        return super()._get_help_string(action)


def package_version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("paycore")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except SettingsError as e:
        print(f"paycore: configuration error: {e}", file=sys.stderr)
        return 2
    except SecretUnreadable as e:
        print(f"paycore: cannot read the stored secrets: {e.message}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
