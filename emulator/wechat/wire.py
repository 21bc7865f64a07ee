"""WeChat Pay v3's wire formats: RFC 3339 Beijing times, ids, nonces and error bodies."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_ALNUM = string.ascii_letters + string.digits


def now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """A moment as WeChat writes it: "2024-01-02T10:11:12+08:00"."""
    return moment.astimezone(BEIJING).replace(microsecond=0).isoformat()


def parse_rfc3339(text: str) -> datetime:
    """An aware moment from RFC 3339 text; raises ValueError without an offset."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment


def digits(n: int) -> str:
    """n random decimal digits."""
    return "".join(str(secrets.randbelow(10)) for _ in range(n))


def alnum(n: int) -> str:
    """n random letters and digits."""
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def nonce() -> str:
    """A 32-character nonce as WeChat's headers carry it."""
    return secrets.token_hex(16).upper()


def gcm_nonce() -> str:
    """The 12-character nonce of an AEAD_AES_256_GCM resource."""
    return alnum(12)


def transaction_id(moment: datetime) -> str:
    """A 28-digit WeChat order number: 4200, six digits, the Beijing date, ten digits."""
    return "4200" + digits(6) + moment.astimezone(BEIJING).strftime("%Y%m%d") + digits(10)


def prepay_id(moment: datetime) -> str:
    """A JSAPI prepay_id: wx, the Beijing time to the second, and 20 random characters."""
    return "wx" + moment.astimezone(BEIJING).strftime("%Y%m%d%H%M%S") + secrets.token_hex(10)


def refund_id() -> str:
    """A 29-digit WeChat refund number, which starts with 50."""
    return "50" + digits(27)


def openid() -> str:
    """A 28-character payer openid."""
    return "oUpF8u" + alnum(22)


def event_id() -> str:
    """A callback id, kept across the callback's retries."""
    return secrets.token_hex(18)


def request_id() -> str:
    """The Request-ID header of one answer."""
    return secrets.token_hex(18).upper() + "-0"


def format_amount(fen: int) -> str:
    """Yuan text with two decimals, as bills write amounts: 10 -> "0.10"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def error(code: str, message: str) -> dict[str, str]:
    """WeChat's error body."""
    return {"code": code, "message": message}
