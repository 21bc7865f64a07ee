"""The `paycore` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence

from application.errors import SecretUnreadable
from entrypoints.settings import Settings, SettingsError, load_settings


def _migrate(settings: Settings) -> None:
    from adapters.sql.migrate import upgrade

    upgrade(settings.database_url)


def cmd_migrate(args: argparse.Namespace) -> int:
    """alembic upgrade head on PAYCORE_DATABASE_URL."""
    settings = load_settings()
    _migrate(settings)
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
    if settings.is_sqlite:
        _migrate(settings)
    _check_secrets(settings)
    workers = args.workers if not settings.is_sqlite else 1
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


def cmd_api_key_create(args: argparse.Namespace) -> int:
    """Issue an API key; the key is the last line of stdout."""
    from entrypoints.container import build_container

    settings = load_settings()
    if settings.is_sqlite:
        _migrate(settings)

    async def issue() -> str:
        container = build_container(settings)
        try:
            issued = await container.api_keys().issue(args.name, args.scope, args.webhook_url)
        finally:
            await container.engine().dispose()
        print(f"API key {issued.key.key_id} ({issued.key.scope}) for {issued.key.name}; it is shown only once:")
        return issued.token

    print(asyncio.run(issue()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """SQLite + the provider emulator + a demo config pointing at it + keys, all served from one process."""
    from entrypoints.demo import demo_master_key_file, serve_demo
    from entrypoints.logs import configure_logging

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


def cmd_keys_generate(args: argparse.Namespace) -> int:
    """Print a new master key line for PAYCORE_MASTER_KEYS."""
    from adapters.crypto.master_keys import generate_master_key

    print(generate_master_key(args.key_id))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Re-seal every stored secret under the newest master key."""
    from entrypoints.container import build_container

    settings = load_settings()
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show and total:
            filled = 30 * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} secrets")
            sys.stderr.flush()

    async def rotate() -> tuple[int, int]:
        container = build_container(settings)
        try:
            report = await container.stored_secrets().rotate(progress)
        finally:
            await container.engine().dispose()
        return report.examined, report.resealed

    examined, resealed = asyncio.run(rotate())
    if show:
        sys.stderr.write("\n")
    print(f"re-encrypted {resealed} of {examined} stored secrets under the newest master key")
    return 0


def cmd_config_import(args: argparse.Namespace) -> int:
    """Load payment configs from a JSON file (one object or a list)."""
    import json

    from application.errors import ApplicationError
    from entrypoints.container import build_container

    settings = load_settings()
    try:
        with open(args.file, encoding="utf-8") as f:
            loaded = json.load(f)
    except (OSError, ValueError) as e:
        print(f"paycore: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    items = loaded if isinstance(loaded, list) else [loaded]

    async def load() -> int:
        container = build_container(settings)
        failures = 0
        try:
            for n, item in enumerate(items, 1):
                try:
                    view = await container.configs().create(item if isinstance(item, dict) else {}, by="cli")
                    print(f"imported config {view.config.config_id} ({view.config.payment_type}, "
                          f"{view.config.config_name})")
                except ApplicationError as e:
                    failures += 1
                    print(f"paycore: config #{n} not imported: {e.message}", file=sys.stderr)
        finally:
            await container.engine().dispose()
        return failures

    return 1 if asyncio.run(load()) else 0


def cmd_config_list(args: argparse.Namespace) -> int:
    """Show the live payment configs, secrets masked."""
    from entrypoints.container import build_container

    settings = load_settings()

    async def listing() -> list[str]:
        container = build_container(settings)
        try:
            views = await container.configs().list()
        finally:
            await container.engine().dispose()
        lines = []
        for v in views:
            c = v.config
            secrets = " ".join(f"{k}={'set ' + (s.fingerprint or '') if s.set else 'unset'}"
                               for k, s in v.secrets.items())
            lines.append(f"{c.config_id}\t{c.payment_type}\t{c.config_name}\tapp_id={c.app_id}"
                         f"\t{'default' if c.is_default else '-'}\t{'enabled' if c.enabled else 'disabled'}"
                         f"\t{secrets}")
        return lines

    for line in asyncio.run(listing()):
        print(line)
    return 0


def _safe_url(url: str) -> str:
    """A database URL without its password."""
    head, sep, tail = url.rpartition("@")
    if not sep:
        return url
    scheme, _, creds = head.partition("://")
    return f"{scheme}://{creds.partition(':')[0]}:***@{tail}"


def parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    p = argparse.ArgumentParser(prog="paycore", description="A payment service for Alipay and WeChat Pay v3.")
    sub = p.add_subparsers(dest="command", required=True)

    def server_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--workers", type=int, default=1)
        sp.add_argument("--no-worker", action="store_true", help="do not run background jobs in-process")

    serve = sub.add_parser("serve", help="run the HTTP API")
    server_args(serve)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    worker = sub.add_parser("worker", help="run the background jobs (webhook delivery, …) alone")
    worker.add_argument("--metrics-port", type=int, default=0,
                        help="serve this worker's Prometheus metrics on this port (default: off)")
    worker.add_argument("--metrics-host", default="127.0.0.1", help="the address for --metrics-port")
    worker.set_defaults(func=cmd_worker)
    demo = sub.add_parser("demo", help="a ready-to-try paycore: SQLite, the provider emulator, demo configs")
    server_args(demo)
    demo.add_argument("--emulator-port", type=int, default=9100)
    demo.set_defaults(func=cmd_demo)
    emulator = sub.add_parser("emulator", help="run the offline Alipay + WeChat Pay emulator alone")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=9100)
    emulator.add_argument("--time-scale", type=float, default=None, help="multiply notification retry delays")
    emulator.set_defaults(func=cmd_emulator)

    api_key = sub.add_parser("api-key", help="manage API keys").add_subparsers(dest="action", required=True)
    create = api_key.add_parser("create", help="issue a key (printed as the last line)")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", required=True, choices=["payments", "admin"])
    create.add_argument("--webhook-url", default=None)
    create.set_defaults(func=cmd_api_key_create)

    keys = sub.add_parser("keys", help="master keys").add_subparsers(dest="action", required=True)
    generate = keys.add_parser("generate", help="print a new master key line for PAYCORE_MASTER_KEYS")
    generate.add_argument("--key-id", default="k1")
    generate.set_defaults(func=cmd_keys_generate)
    keys.add_parser("rotate", help="re-encrypt every secret under the newest master key").set_defaults(
        func=cmd_keys_rotate)

    config = sub.add_parser("config", help="payment configs").add_subparsers(dest="action", required=True)
    imp = config.add_parser("import", help="load configs from a JSON file")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_config_import)
    config.add_parser("list", help="show configs, secrets masked").set_defaults(func=cmd_config_list)
    return p


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
