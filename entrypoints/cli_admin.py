"""`paycore api-key`, `paycore keys` and `paycore config`: administration from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from application.errors import ApplicationError
from entrypoints.beijing_time import beijing
from entrypoints.config_wire import config_from_wire
from entrypoints.settings import Settings, load_settings

if TYPE_CHECKING:
    from entrypoints.container import Container

T = TypeVar("T")


def migrate(settings: Settings) -> None:
    """alembic upgrade head, reported in one line by the caller (alembic's own lines only at DEBUG)."""
    import logging

    if settings.log_level.upper() != "DEBUG":  # before alembic is imported: it logs its plugins then
        logging.getLogger("alembic").setLevel(logging.WARNING)
    from adapters.sql.migrate import upgrade

    upgrade(settings.database_url)


def with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run `work(container)` on a fresh container, disposing of its engine afterwards."""
    from entrypoints.container import build_container

    async def run() -> T:
        container = build_container(settings)
        try:
            return await work(container)
        finally:
            await container.engine().dispose()

    return asyncio.run(run())


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def cmd_api_key_create(args: argparse.Namespace) -> int:
    """Issue an API key; the key is the last line of stdout."""
    settings = load_settings()
    if settings.is_sqlite:
        migrate(settings)

    async def issue(container: Container) -> str:
        issued = await container.api_keys().issue(args.name, args.scope, args.webhook_url)
        print(f"API key {issued.key.key_id} ({issued.key.scope}) for {issued.key.name}; it is shown only once:")
        return str(issued.token)

    print(with_container(settings, issue))
    return 0


def cmd_api_key_list(args: argparse.Namespace) -> int:
    """Every API key: id, name, scope, webhook URL, creation time, whether revoked; never a secret."""
    settings = load_settings()

    async def listing(container: Container) -> list[list[str]]:
        keys = await container.api_keys().list()
        return [[k.key_id, k.name, k.scope, k.webhook_url or "-", beijing(k.create_time),
                 "revoked" if k.revoked else "active"] for k in keys]

    rows = with_container(settings, listing)
    if not rows:
        print("no API keys yet: issue one with `paycore api-key create --name NAME --scope admin`")
        return 0
    for line in table([["KEY ID", "NAME", "SCOPE", "WEBHOOK URL", "CREATED", "STATE"], *rows]):
        print(line)
    return 0


def cmd_api_key_revoke(args: argparse.Namespace) -> int:
    """Revoke a key at once (the last active admin key cannot be revoked)."""
    settings = load_settings()

    async def revoke(container: Container) -> bool:
        return bool(await container.api_keys().revoke(args.key_id))

    try:
        found = with_container(settings, revoke)
    except ApplicationError as e:
        print(f"paycore: {e.message}", file=sys.stderr)
        return 1
    if not found:
        print(f"paycore: there is no API key {args.key_id!r}; `paycore api-key list` shows them", file=sys.stderr)
        return 1
    print(f"revoked API key {args.key_id}")
    return 0


def cmd_config_import(args: argparse.Namespace) -> int:
    """Load payment configs from a JSON file (one object or a list)."""
    settings = load_settings()
    try:
        with open(args.file, encoding="utf-8") as f:
            loaded = json.load(f)
    except (OSError, ValueError) as e:
        print(f"paycore: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    items = loaded if isinstance(loaded, list) else [loaded]

    async def load(container: Container) -> int:
        failures = 0
        for n, item in enumerate(items, 1):
            try:
                view = await container.configs().create(
                    config_from_wire(item if isinstance(item, dict) else {}), by="cli")
                print(f"imported config {view.config.config_id} ({view.config.payment_type}, "
                      f"{view.config.config_name})")
            except ApplicationError as e:
                failures += 1
                print(f"paycore: config #{n} not imported: {e.message}", file=sys.stderr)
        return failures

    return 1 if with_container(settings, load) else 0


def cmd_config_list(args: argparse.Namespace) -> int:
    """Show the live payment configs, secrets masked."""
    settings = load_settings()

    async def listing(container: Container) -> list[str]:
        lines = []
        for v in await container.configs().list():
            c = v.config
            secrets = " ".join(f"{k}={'set ' + (s.fingerprint or '') if s.set else 'unset'}"
                               for k, s in v.secrets.items())
            lines.append(f"{c.config_id}\t{c.payment_type}\t{c.config_name}\tapp_id={c.app_id}"
                         f"\t{'default' if c.is_default else '-'}\t{'enabled' if c.enabled else 'disabled'}"
                         f"\t{secrets}")
        return lines

    lines = with_container(settings, listing)
    if not lines:
        print("no payment configs yet: add one with `paycore config import FILE.json` or "
              "POST /v1/admin/payment-configs")
    for line in lines:
        print(line)
    return 0


def cmd_keys_generate(args: argparse.Namespace) -> int:
    """Print a new master key line for PAYCORE_MASTER_KEYS."""
    from adapters.crypto.master_keys import generate_master_key

    print(generate_master_key(args.key_id))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Re-seal every stored secret under the newest master key."""
    settings = load_settings()
    show = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show and total:
            filled = 30 * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} secrets")
            sys.stderr.flush()

    async def rotate(container: Container) -> tuple[int, int]:
        report = await container.stored_secrets().rotate(progress)
        return report.examined, report.resealed

    examined, resealed = with_container(settings, rotate)
    if show:
        sys.stderr.write("\n")
    print(f"re-encrypted {resealed} of {examined} stored secrets under the newest master key")
    return 0


def admin_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                  formatter: type[argparse.HelpFormatter]) -> None:
    """The api-key, keys and config commands."""
    api_key = sub.add_parser("api-key", help="manage API keys", formatter_class=formatter).add_subparsers(
        dest="action", required=True)
    create = api_key.add_parser("create", help="issue a key (printed as the last line)", formatter_class=formatter)
    create.add_argument("--name", required=True, help="who the key is for, e.g. the shop's name")
    create.add_argument("--scope", required=True, choices=["payments", "admin"],
                        help="payments: create, query, close and refund payments; admin: also configs and keys")
    create.add_argument("--webhook-url", default=None,
                        help="where paycore sends this key's payments' webhooks (default: none)")
    create.set_defaults(func=cmd_api_key_create)
    api_key.add_parser("list", help="show every key, never its secret", formatter_class=formatter).set_defaults(
        func=cmd_api_key_list)
    revoke = api_key.add_parser("revoke", help="revoke a key at once", formatter_class=formatter)
    revoke.add_argument("key_id", help="the key's id, as `paycore api-key list` shows it")
    revoke.set_defaults(func=cmd_api_key_revoke)

    keys = sub.add_parser("keys", help="master keys", formatter_class=formatter).add_subparsers(
        dest="action", required=True)
    generate = keys.add_parser("generate", help="print a new master key line for PAYCORE_MASTER_KEYS",
                               formatter_class=formatter)
    generate.add_argument("--key-id", default="k1", help="the id the key is known by in PAYCORE_MASTER_KEYS")
    generate.set_defaults(func=cmd_keys_generate)
    keys.add_parser("rotate", help="re-encrypt every secret under the newest master key",
                    formatter_class=formatter).set_defaults(func=cmd_keys_rotate)

    config = sub.add_parser("config", help="payment configs", formatter_class=formatter).add_subparsers(
        dest="action", required=True)
    imp = config.add_parser("import", help="load configs from a JSON file", formatter_class=formatter)
    imp.add_argument("file", help="a JSON file holding one config object or a list of them")
    imp.set_defaults(func=cmd_config_import)
    config.add_parser("list", help="show configs, secrets masked", formatter_class=formatter).set_defaults(
        func=cmd_config_list)
