"""Trade bills: where to fetch them and how to know the file is whole."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import zlib
from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from application.errors import BillCorrupt, ProviderError

GZIP_MAGIC = b"\x1f\x8b"


def download_path(answer: Mapping[str, Any]) -> str:
    """The path and query of the bill's download_url. It is fetched from the configured API root, so
    the merchant's signed Authorization never goes to a host the answer names."""
    url = answer.get("download_url")
    if not isinstance(url, str) or not url:
        raise ProviderError("WeChat's bill answer has no download_url")
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def expected_sha1(answer: Mapping[str, Any]) -> str:
    """The SHA1 WeChat gives of the uncompressed bill (hash_value), lower case."""
    if str(answer.get("hash_type", "SHA1")).upper() != "SHA1":
        raise ProviderError(f"WeChat's bill has an unknown hash_type {answer.get('hash_type')!r}")
    expected = answer.get("hash_value")
    if not isinstance(expected, str) or not expected:
        raise ProviderError("WeChat's bill answer has no hash_value")
    return expected.lower()


def uncompressed_lines(content: bytes | IO[bytes]) -> Iterator[bytes]:
    """The bill's lines, ungzipped a buffer at a time as they are read (the uncompressed file, ten times the
    download, is never held whole); BillCorrupt where the gzip stream breaks. A file given is read from where it
    stands and closed once its lines have been read."""
    source: IO[bytes] = io.BytesIO(content) if isinstance(content, bytes) else content
    try:
        start = source.tell()
        compressed = source.read(len(GZIP_MAGIC)) == GZIP_MAGIC
        source.seek(start)
        if not compressed:
            yield from source
            return
        try:
            with gzip.GzipFile(fileobj=source, mode="rb") as f:  # a spool's own mode is w+b
                yield from f
        except (OSError, EOFError, zlib.error) as e:
            raise BillCorrupt("WeChat's bill is not a readable gzip file: the download is damaged") from e
    finally:
        source.close()


def checked_bill(answer: Mapping[str, Any], content: bytes) -> bytes:
    """The bill (ungzipped, whole), once its SHA1 matches the answer's hash_value, which WeChat computes
    over the uncompressed bill."""
    expected = expected_sha1(answer)
    try:
        bill = b"".join(uncompressed_lines(content))
    except BillCorrupt as e:
        raise ProviderError(e.message) from e
    digest = hashlib.sha1(bill, usedforsecurity=False).hexdigest()
    if not hmac.compare_digest(digest, expected):
        raise ProviderError("WeChat's bill does not match its hash_value: the download is damaged")
    return bill
