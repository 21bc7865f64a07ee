"""Delivering notifications: one background task per notification, retried on Alipay's schedule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from emulator.alipay import wire
from emulator.delivery import Deliveries

# After the first attempt Alipay retries 4m, 10m, 10m, 1h, 2h, 6h and 15h later, until it reads "success".
ALIPAY_RETRY_DELAYS: tuple[float, ...] = (240, 600, 600, 3600, 7200, 21600, 54000)
BODY_SNIPPET = 200


@dataclass(frozen=True)
class Attempt:
    """One POST of one notification and what the receiver answered."""

    notify_id: str
    out_trade_no: str
    trade_status: str
    url: str
    attempt: int
    variant: str
    status_code: int | None
    body: str
    error: str
    acknowledged: bool
    at: str

    def to_json(self) -> dict[str, Any]:
        """The attempt as JSON-ready data."""
        return asdict(self)


def retry_delays(time_scale: float, override: Sequence[float] | None = None) -> tuple[float, ...]:
    """Seconds to wait before each retry: an explicit override, or Alipay's schedule times time_scale."""
    if override is not None:
        return tuple(override)
    return tuple(delay * time_scale for delay in ALIPAY_RETRY_DELAYS)


class Notifier(Deliveries):
    """Posts signed notifications to merchants and remembers every attempt."""

    def __init__(self, delays: Sequence[float], timeout: float = 5.0) -> None:
        super().__init__(delays, timeout)
        self.attempts: list[Attempt] = []

    def schedule(self, url: str, body: dict[str, str]) -> None:
        """Deliver body to url in the background until acknowledged or the schedule runs out."""
        self._spawn(self._deliver(url, body))

    async def send_once(self, url: str, body: dict[str, str], variant: str) -> Attempt:
        """One attempt, now, without retries (the control API's on-demand notifications)."""
        return await self._post(url, body, 1, variant)

    async def _deliver(self, url: str, body: dict[str, str]) -> None:
        async def attempt(number: int) -> bool:
            return (await self._post(url, body, number, "")).acknowledged

        await self._retry(attempt)

    async def _post(self, url: str, body: dict[str, str], number: int, variant: str) -> Attempt:
        status_code: int | None = None
        text, error = "", ""
        try:
            response = await self._http().post(url, data=body)
            status_code, text = response.status_code, response.text
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        attempt = Attempt(
            notify_id=body.get("notify_id", ""),
            out_trade_no=body.get("out_trade_no", ""),
            trade_status=body.get("trade_status", ""),
            url=url,
            attempt=number,
            variant=variant,
            status_code=status_code,
            body=text[:BODY_SNIPPET],
            error=error,
            acknowledged=status_code is not None and status_code < 300 and text.strip() == "success",
            at=wire.beijing(wire.now()),
        )
        self.attempts.append(attempt)
        return attempt
