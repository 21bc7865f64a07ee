"""Settings from environment variables (and a .env file), read when asked, never at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

DEFAULT_RETRY_SCHEDULE = (15, 60, 300, 1800, 7200, 21600, 43200, 86400)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./paycore.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# Settings that no longer exist, and why: set, they stop paycore rather than silently doing nothing.
REMOVED_SETTINGS = {
    "PAYCORE_FAKE_PROVIDERS": "it made paycore accept any notification signed `fake-ok`, which marks orders paid. "
                              "For an offline run, point a config's gateway_url at the emulator (`paycore emulator`,"
                              " or `paycore demo`); tests swap gateways through the container",
}


class SettingsError(ValueError):
    """A setting with a value paycore cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything paycore reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    public_url: str = DEFAULT_PUBLIC_URL
    log_level: str = "INFO"
    log_format: str = "console"
    webhook_retry_schedule: tuple[int, ...] = DEFAULT_RETRY_SCHEDULE
    sync_after_seconds: int = 300
    expiry_reminder_minutes: int = 5  # payment.expiring goes out this long before expire_time; 0 turns it off
    master_keys: str = field(default="", repr=False)  # `id:base64,...`; never printed
    master_key_file: str = ""
    provider_timeout: float = 10.0  # seconds for one call to Alipay or WeChat
    worker_lease_seconds: int = 60  # a worker's hold on a webhook or compensation row; a dead worker's runs out
    notification_log_days: int = 90  # the raw notification log keeps this many days; 0 keeps everything
    failed_auth_per_minute: int = 20  # failed authentications per client address per minute; 0 turns it off
    notify_refusals_per_minute: int = 60  # refused notifications per client address per minute; 0 turns it off
    rate_limit_per_key: int = 0  # requests per second per API key; 0 (the default) turns it off
    redis_url: str = field(default="", repr=False)  # shared rate-limit counters for several processes
    webhook_allowed_hosts: tuple[str, ...] = ()  # host names or CIDRs webhooks may go to; empty: any allowed one
    refund_attention_hours: int = 72  # a refund PROCESSING this long is listed, counted and logged for operators
    refund_paid_after_close: bool = False  # paycore refunds in full a payment the provider took after our close
    wechat_cert_refresh_hours: int = 12  # the worker downloads WeChat platform certificates this often; 0: never
    reconcile_at: time = time(10, 0)  # Beijing time of the worker's daily reconciliation of the previous day
    merchant_name: str = ""  # shown on the cashier page; empty: the payment config's name

    @property
    def is_sqlite(self) -> bool:
        """The embedded default."""
        return self.database_url.startswith("sqlite")


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments and blank lines skipped, quotes stripped."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Settings from the environment, which wins over the .env file."""
    env = {**(read_dotenv(dotenv) if dotenv else {}), **(os.environ if environ is None else environ)}
    _refuse_removed(env)
    return Settings(
        database_url=env.get("PAYCORE_DATABASE_URL") or DEFAULT_DATABASE_URL,
        public_url=(env.get("PAYCORE_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        log_level=(env.get("PAYCORE_LOG_LEVEL") or "INFO").upper(),
        log_format=_choice(env, "PAYCORE_LOG_FORMAT", "console", {"console", "json"}),
        webhook_retry_schedule=_seconds_list(env.get("PAYCORE_WEBHOOK_RETRY_SCHEDULE")),
        sync_after_seconds=_int(env, "PAYCORE_SYNC_AFTER_SECONDS", 300),
        expiry_reminder_minutes=_int(env, "PAYCORE_EXPIRY_REMINDER_MINUTES", 5, unit="minutes"),
        master_keys=env.get("PAYCORE_MASTER_KEYS", ""),
        master_key_file=env.get("PAYCORE_MASTER_KEY_FILE", ""),
        provider_timeout=float(_int(env, "PAYCORE_PROVIDER_TIMEOUT_SECONDS", 10)),
        worker_lease_seconds=_int(env, "PAYCORE_WORKER_LEASE_SECONDS", 60),
        notification_log_days=_int(env, "PAYCORE_NOTIFICATION_LOG_DAYS", 90, unit="days"),
        failed_auth_per_minute=_int(env, "PAYCORE_RATE_LIMIT_FAILED_AUTH", 20, unit="failures per minute"),
        notify_refusals_per_minute=_int(env, "PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS", 60,
                                        unit="refused notifications per minute"),
        rate_limit_per_key=_int(env, "PAYCORE_RATE_LIMIT_PER_KEY", 0, unit="requests per second"),
        redis_url=env.get("PAYCORE_REDIS_URL", ""),
        webhook_allowed_hosts=tuple(h.strip() for h in env.get("PAYCORE_WEBHOOK_ALLOWED_HOSTS", "").split(",")
                                    if h.strip()),
        refund_attention_hours=_int(env, "PAYCORE_REFUND_ATTENTION_HOURS", 72, unit="hours"),
        refund_paid_after_close=_flag(env, "PAYCORE_REFUND_PAID_AFTER_CLOSE"),
        wechat_cert_refresh_hours=_int(env, "PAYCORE_WECHAT_CERT_REFRESH_HOURS", 12, unit="hours"),
        reconcile_at=_time_of_day(env, "PAYCORE_RECONCILE_AT", time(10, 0)),
        merchant_name=env.get("PAYCORE_MERCHANT_NAME", "").strip(),
    )


def _time_of_day(env: Mapping[str, str], name: str, default: time) -> time:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        hour, minute = (int(part) for part in raw.split(":"))
        return time(hour, minute)
    except ValueError as e:
        raise SettingsError(f"{name} must be a Beijing time of day as HH:MM (e.g. 10:00), not {raw!r}") from e


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "false").strip().lower()
    if raw not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise SettingsError(f"{name} must be true or false, not {raw!r}")
    return raw in {"1", "true", "yes", "on"}


def _refuse_removed(env: Mapping[str, str]) -> None:
    for name, why in REMOVED_SETTINGS.items():
        if name in env:
            raise SettingsError(f"{name} was removed and must be unset: {why}")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: set[str]) -> str:
    value = (env.get(name) or default).lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(sorted(allowed))}, not {value!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, unit: str = "seconds") -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise SettingsError(f"{name} must be a whole number of {unit}, not {raw!r}") from e
    if value < 0:
        raise SettingsError(f"{name} cannot be negative")
    return value


def _seconds_list(raw: str | None) -> tuple[int, ...]:
    if not raw:
        return DEFAULT_RETRY_SCHEDULE
    try:
        values = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as e:
        raise SettingsError(
            f"PAYCORE_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds, like 15,60,300, not {raw!r}"
        ) from e
    if not values or any(v < 0 for v in values):
        raise SettingsError("PAYCORE_WEBHOOK_RETRY_SCHEDULE needs at least one non-negative number")
    return values
