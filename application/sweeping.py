"""What the compensation jobs share: a claim-work-release pass over leased rows, and exponential backoff."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.records import SweepClaim

log = logging.getLogger("paycore.worker")

BATCH = 20
LEASE_SECONDS = 120.0  # well over a provider call's timeout: a lease only runs out when its holder died
CAP_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits of base × 1, 2, 4, … capped: how long until the next look after `attempts` looks."""

    base_seconds: float
    cap_seconds: float = CAP_SECONDS

    def after(self, now: datetime, attempts: int) -> datetime:
        """The time of the next look, when `attempts` looks (this one included) have been made."""
        wait = min(max(self.base_seconds, 1.0) * 2 ** min(max(attempts - 1, 0), 30), self.cap_seconds)
        return now + timedelta(seconds=wait)


# Works on one claimed row and says when to look at it next (None: it is settled, no more looks).
Work = Callable[[SweepClaim, datetime], Awaitable[datetime | None]]
# Ends the lease on one row: (key, next look, attempts) → still held.
Release = Callable[[str, datetime, int], Awaitable[bool]]


async def sweep(job: str, claims: Sequence[SweepClaim], now: datetime, work: Work, release: Release,
                backoff: Backoff) -> int:
    """Work on every claim (concurrently: different rows), then release each with its next look.

    Any failure (provider outage, provider error, database hiccup) reschedules the row with backoff:
    a row is never dropped, and a worker that dies mid-way leaves a lease that runs out.
    """

    async def one(claim: SweepClaim) -> None:
        attempts = claim.attempts + 1
        try:
            next_look = await work(claim, now)
        except Exception as e:
            next_look = backoff.after(now, attempts)
            log.warning("%s.retry key=%s attempts=%s next=%s error=%r", job, claim.key, attempts,
                        next_look.isoformat(), e)
        if not await release(claim.key, next_look or now, attempts):
            log.warning("%s.lease_lost key=%s: another worker took it over", job, claim.key)

    results = await asyncio.gather(*(one(c) for c in claims), return_exceptions=True)
    for claim, result in zip(claims, results, strict=True):
        if isinstance(result, BaseException):  # the release itself failed: the lease runs out, then a retry
            log.error("%s.release_failed key=%s", job, claim.key, exc_info=result)
    return len(claims)
