"""Logging set-up: console or one JSON object per line."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

REDACTED = "[REDACTED]"
REQUEST_ID: ContextVar[str] = ContextVar("paycore_request_id", default="-")  # set while a request is handled
_NAMES = r"(?:private_key|api_key|api_v3_key|apiv3_key|webhook_secret|master_keys?|password)"
# What a secret looks like on its way into a log line, and what replaces it: PEM blocks, our tokens
# and ciphertexts, bearer headers, values of fields named like secrets, long base64 runs (keys
# pasted as one line).
_SECRETS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|$)", re.DOTALL), REDACTED),
    (re.compile(r"\b(?:pck|whsec)_[A-Za-z0-9_-]{8,}"), REDACTED),
    (re.compile(r"\bpc1:[A-Za-z0-9_-]+:[A-Za-z0-9_=-]{16,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer)\s+[^\s,;]+"), rf"\1 {REDACTED}"),
    (re.compile(rf"(?i)([\"']?{_NAMES}[\"']?\s*[:=]\s*)([\"'])(?:(?!\2).)*\2"), rf"\1\2{REDACTED}\2"),
    # Not \b: the name may end a longer one, as in PAYCORE_MASTER_KEYS=.
    (re.compile(rf"(?i)((?<![A-Za-z0-9]){_NAMES}=)[^&\s]+"), rf"\1{REDACTED}"),
    (re.compile(r"[A-Za-z0-9+/]{64,}={0,2}"), REDACTED),
]


def scrub(text: str) -> str:
    """The text with anything that looks like a secret replaced."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs every record's message and exception text before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record, scrubbed, with the id of the request it was written for."""
        record.request_id = REQUEST_ID.get()
        message = scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON."""
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    """Send paycore's logs to stderr in the chosen format."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s]: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
