"""The `paycore` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

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


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API (migrating SQLite first)."""
    import uvicorn

    from entrypoints.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.is_sqlite:
        _migrate(settings)
    workers = args.workers if not settings.is_sqlite else 1
    uvicorn.run("entrypoints.asgi:app_from_env", factory=True, host=args.host, port=args.port,
                workers=workers, log_level=settings.log_level.lower(), access_log=False)
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
    """SQLite + offline providers + demo configs + keys, then serve."""
    from entrypoints.demo import prepare_demo

    os.environ.setdefault("PAYCORE_DATABASE_URL", "sqlite+aiosqlite:///./paycore-demo.db")
    os.environ["PAYCORE_FAKE_PROVIDERS"] = "true"
    os.environ.setdefault("PAYCORE_PUBLIC_URL", f"http://127.0.0.1:{args.port}")
    settings = load_settings()
    _migrate(settings)
    print(asyncio.run(prepare_demo(settings)))
    sys.stdout.flush()
    return cmd_serve(args)


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
    demo = sub.add_parser("demo", help="a ready-to-try paycore on SQLite with demo configs")
    server_args(demo)
    demo.set_defaults(func=cmd_demo)

    api_key = sub.add_parser("api-key", help="manage API keys").add_subparsers(dest="action", required=True)
    create = api_key.add_parser("create", help="issue a key (printed as the last line)")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", required=True, choices=["payments", "admin"])
    create.add_argument("--webhook-url", default=None)
    create.set_defaults(func=cmd_api_key_create)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except SettingsError as e:
        print(f"paycore: configuration error: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
