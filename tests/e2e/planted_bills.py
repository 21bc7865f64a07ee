"""What a run must find in a bill with every kind of discrepancy planted (tests/e2e/test_reconcile_planted_*.py):
orders `<P>01`…`<P>08` and refunds `<P>R5`…`<P>R7` planted the same way for both providers."""

from __future__ import annotations

from application.bills import DiscrepancyKind as K
from application.reconcile import RunResult


def assert_every_kind_found(run: RunResult, p: str, billed: str, paid: str, omitted: str) -> None:
    """`<P>01` billed at another amount than paid, `<P>02` (`omitted`) left out, `<P>03` paid unnotified,
    `<P>04` unknown (40.00), refunds R5 30.00 billed 25.00, R6 10.00 left out, R7 5.00 unknown, `<P>08` across
    midnight: each found, the unnotified one fixed by sync, the one across midnight held."""
    assert run.end.status == "completed"
    reported = sorted((d.kind, d.order_no, d.refund_no, d.provider_value, d.local_value, d.resolution)
                      for d in run.found if not d.held)
    assert reported == sorted([
        (K.AMOUNT_MISMATCH, f"{p}01", "", billed, paid, None),
        (K.MISSING_AT_PROVIDER, f"{p}02", "", None, omitted, None),
        (K.STATUS_MISMATCH, f"{p}03", "", "paid", "WAIT_BUYER_PAY", "fixed_by_sync"),
        (K.MISSING_LOCALLY, f"{p}04", "", "40.00", None, None),
        (K.REFUND_AMOUNT_MISMATCH, f"{p}05", f"{p}R5", "25.00", "30.00", None),
        (K.REFUND_MISSING_AT_PROVIDER, f"{p}06", f"{p}R6", None, "10.00", None),
        (K.REFUND_MISSING_LOCALLY, f"{p}07", f"{p}R7", "5.00", None, None),
    ])
    assert [(d.kind, d.order_no) for d in run.found if d.held] == [(K.MISSING_AT_PROVIDER, f"{p}08")]
    assert run.open == 6  # everything but the synced payment and the held one waits for an operator
