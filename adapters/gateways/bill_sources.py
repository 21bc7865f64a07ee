"""What the providers' bill sources share: a provider's "no bill for that day (yet)" answer as BillNotReady."""

from __future__ import annotations

from datetime import date

from application.errors import BillNotReady, ProviderError

SPOOL_BYTES = 8 * 1024 * 1024  # a bill download larger than this waits on disk, not in memory


def bill_not_ready(error: ProviderError, provider: str, day: date, key: str, code: str) -> BillNotReady | None:
    """BillNotReady when the provider's refusal carries its "no bill yet" code (`code` under `key` in its extra),
    else None: the refusal stands."""
    if error.extra.get(key) != code:
        return None
    return BillNotReady(f"the {provider} bill of {day} is not ready yet ({code}); try again later", provider_code=code)
