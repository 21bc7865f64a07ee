"""`paycore reconcile`: one Beijing day's bills matched against paycore's records, from the command line.

Exit status: 0 when nothing is left open, 1 when discrepancies remain for an operator, 2 on an error or a bill
that is not ready yet (with the reason)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from application.errors import ApplicationError
from domain.beijing import BEIJING
from domain.money import yuan
from entrypoints.cli_admin import migrate, table, with_container
from entrypoints.http.schemas import iso
from entrypoints.settings import load_settings

if TYPE_CHECKING:
    from rich.progress import TaskID

    from application.reconcile import RunResult
    from entrypoints.container import Container

FIELDS = ("run_id", "payment_type", "account", "status", "bill_rows", "payments", "refunds", "fees", "open",
          "fixed_by_sync", "held", "error")


def summary(result: RunResult) -> dict[str, object]:
    """One run as the CLI shows it."""
    t = result.end.totals
    return {"run_id": result.run_id, "payment_type": result.payment_type, "account": result.account,
            "status": result.end.status, "bill_rows": result.end.bill_rows, "payments": t.payments if t else 0,
            "refunds": t.refunds if t else 0, "fees": str(yuan(t.fees if t else 0)), "open": result.open,
            "fixed_by_sync": sum(d.resolution == "fixed_by_sync" for d in result.found),
            "held": sum(d.held for d in result.found), "error": result.end.error or "",
            "discrepancies": [{"kind": d.kind.value, "order_no": d.order_no, "refund_no": d.refund_no,
                               "provider": d.provider_value, "paycore": d.local_value,
                               "provider_time": iso(d.provider_time), "paycore_time": iso(d.local_time),
                               "status": "resolved" if d.resolution else "held" if d.held else "open"}
                              for d in result.found]}


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Reconcile a day and show each account's run."""
    settings = load_settings()
    if settings.is_sqlite:
        migrate(settings)
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"paycore: --date {args.date!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2

    async def run(container: Container) -> list[RunResult]:
        if not sys.stdout.isatty():  # piped or redirected: the report alone
            return await container.reconcile()(day, args.payment_type, args.config_id)
        with ProgressBars() as bars:
            return await container.reconcile()(day, args.payment_type, args.config_id, progress=bars)

    try:
        results = with_container(settings, run)
    except ApplicationError as e:
        print(f"paycore: {e.message}", file=sys.stderr)
        return 2
    shown = [summary(r) for r in results]
    if args.format == "json":
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(FIELDS)
        writer.writerows([[s[f] for f in FIELDS] for s in shown])
    else:
        _print_table(shown)
    if not results:
        print("paycore: no enabled config to reconcile", file=sys.stderr)
        return 2
    if any(r.end.status != "completed" for r in results):
        for r in results:
            if r.end.status != "completed":
                print(f"paycore: {r.payment_type} {r.account}: {r.end.status}: {r.end.error}", file=sys.stderr)
        return 2
    return 1 if any(r.open for r in results) else 0


class ProgressBars:
    """A rich progress bar per account on the terminal (stderr, so the report on stdout stays as it is): the
    download, then the rows parsed as they stream in, then the match."""

    PHASES: ClassVar[dict[str, str]] = {"download": "downloading the bill", "parse": "parsing rows",
                                        "match": "checking what disagrees", "matched": "matched"}

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.fields[rows]} rows"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=False)
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressBars:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, account: str, phase: str, rows: int) -> None:
        """Show how one account's run goes."""
        if account not in self._tasks:
            self._tasks[account] = self._progress.add_task(account, total=3, rows=0)
        done = {"download": 0, "parse": 1, "match": 2, "matched": 3}[phase]
        self._progress.update(self._tasks[account], completed=done, rows=rows,
                              description=f"{account}: {self.PHASES[phase]}")


def _print_table(shown: list[dict[str, object]]) -> None:
    rows = [[str(s[f]) for f in FIELDS[1:-1]] for s in shown]
    for line in table([[f.upper() for f in FIELDS[1:-1]], *rows]):
        print(line)
    found = [[str(s["account"]), str(d["kind"]), str(d["order_no"]), str(d["refund_no"]) or "-",
              str(d["provider"]), _beijing(d["provider_time"]), str(d["paycore"]), _beijing(d["paycore_time"]),
              str(d["status"])]
             for s in shown for d in s["discrepancies"]]  # type: ignore[attr-defined]
    if found:
        print()
        for line in table([["ACCOUNT", "KIND", "ORDER NO", "REFUND NO", "PROVIDER", "PROVIDER TIME (UTC+8)",
                            "PAYCORE", "PAYCORE TIME (UTC+8)", "STATUS"], *found]):
            print(line)


def _beijing(moment: str | None) -> str:
    """An ISO UTC time of the report in Beijing time, to the second, as both bills write it; `-` for none."""
    if moment is None:
        return "-"
    return datetime.fromisoformat(moment).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


class ProviderNames:
    """The composition root's provider names as argparse's choices, read only when argparse asks (a value given,
    or help shown): importing the container at parser building would be most of every command's start-up."""

    def _names(self) -> list[str]:
        from entrypoints.container import PROVIDERS

        return [p.payment_type.value for p in PROVIDERS]

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def reconcile_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                     formatter: type[argparse.HelpFormatter]) -> None:
    """The reconcile command."""
    rec = sub.add_parser("reconcile", help="match one day's provider bills against paycore's records",
                         formatter_class=formatter)
    rec.add_argument("--date", required=True, help="the bill date, a Beijing calendar day (YYYY-MM-DD)")
    rec.add_argument("--payment-type", choices=ProviderNames(), default=None,
                     help="only this provider (default: every provider)")
    rec.add_argument("--config-id", type=int, default=None,
                     help="only the account of this config (default: every enabled config's account)")
    rec.add_argument("--format", choices=["table", "json", "csv"], default="table", help="how to show the runs")
    rec.set_defaults(func=cmd_reconcile)
