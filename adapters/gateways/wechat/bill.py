"""Trade bills: where to fetch them and how to know the file is whole."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from application.errors import ProviderError

GZIP_MAGIC = b"\x1f\x8b"


def download_path(answer: Mapping[str, Any]) -> str:
    """The path and query of the bill's download_url. It is fetched from the configured API root, so
    the merchant's signed Authorization never goes to a host the answer names."""
    url = answer.get("download_url")
    if not isinstance(url, str) or not url:
        raise ProviderError("WeChat's bill answer has no download_url")
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def checked_bill(answer: Mapping[str, Any], content: bytes) -> bytes:
    """The bill (ungzipped), once its SHA1 matches the answer's hash_value, which WeChat computes
    over the uncompressed bill."""
    if str(answer.get("hash_type", "SHA1")).upper() != "SHA1":
        raise ProviderError(f"WeChat's bill has an unknown hash_type {answer.get('hash_type')!r}")
    expected = answer.get("hash_value")
    if not isinstance(expected, str) or not expected:
        raise ProviderError("WeChat's bill answer has no hash_value")
    bill = content
    if content.startswith(GZIP_MAGIC):
        try:
            bill = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as e:
            raise ProviderError("WeChat's bill is not a readable gzip file") from e
    digest = hashlib.sha1(bill, usedforsecurity=False).hexdigest()
    if not hmac.compare_digest(digest, expected.lower()):
        raise ProviderError("WeChat's bill does not match its hash_value: the download is damaged")
    return bill
