"""Delivering callbacks: one background task per callback, re-signed and retried on WeChat's schedule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from emulator.delivery import Deliveries
from emulator.wechat import wire
from emulator.wechat.callbacks import Callback

# After the first attempt WeChat retries 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h later.
WECHAT_RETRY_DELAYS: tuple[float, ...] = (
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
)
BODY_SNIPPET = 200
Signer = Callable[[str], dict[str, str]]


@dataclass(frozen=True)
class Attempt:
    """One POST of one callback and what the receiver answered."""

    id: str
    event_type: str
    out_trade_no: str
    out_refund_no: str
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
    """Seconds to wait before each retry: an explicit override, or WeChat's schedule times time_scale."""
    if override is not None:
        return tuple(override)
    return tuple(delay * time_scale for delay in WECHAT_RETRY_DELAYS)


class Notifier(Deliveries):
    """Posts callbacks to merchants and remembers every attempt; any 2xx means received."""

    def __init__(self, delays: Sequence[float], timeout: float = 5.0) -> None:
        super().__init__(delays, timeout)
        self.attempts: list[Attempt] = []

    def schedule(self, url: str, callback: Callback, sign: Signer) -> None:
        """Deliver callback to url in the background, freshly signed each time, until a 2xx or the end."""
        self._spawn(self._deliver(url, callback, sign))

    async def send_once(self, url: str, callback: Callback, headers: dict[str, str], variant: str) -> Attempt:
        """One attempt, now, with these headers and no retries (the control API's variants)."""
        return await self._post(url, callback, headers, 1, variant)

    async def _deliver(self, url: str, callback: Callback, sign: Signer) -> None:
        async def attempt(number: int) -> bool:
            return (await self._post(url, callback, sign(callback.body), number, "")).acknowledged

        await self._retry(attempt)

    async def _post(self, url: str, callback: Callback, headers: dict[str, str], number: int, variant: str) -> Attempt:
        status_code: int | None = None
        text, error = "", ""
        try:
            response = await self._http().post(
                url, content=callback.body.encode("utf-8"),
                headers={**headers, "Content-Type": "application/json", "User-Agent": "Mozilla/4.0"},
            )
            status_code, text = response.status_code, response.text
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        attempt = Attempt(
            id=callback.id, event_type=callback.event_type, out_trade_no=callback.out_trade_no,
            out_refund_no=callback.out_refund_no, url=url, attempt=number, variant=variant,
            status_code=status_code, body=text[:BODY_SNIPPET], error=error,
            acknowledged=status_code is not None and 200 <= status_code < 300, at=wire.rfc3339(wire.now()),
        )
        self.attempts.append(attempt)
        return attempt
