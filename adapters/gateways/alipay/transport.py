"""HTTP to Alipay with httpx: the full URL (port included), a timeout, and failures as application errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import httpx

from application.errors import ProviderUnavailable

CHUNK = 64 * 1024  # a bill download is written to its file this much at a time


class Transport:
    """A pooled, synchronous httpx client (the SDK is sync); every failure becomes ProviderUnavailable."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(self, url: str, query_string: str | None, headers: Mapping[str, str] | None, body: str | None,
             charset: str = "utf-8") -> bytes:
        """POST the form body to `url?query_string`; the answer's bytes when it is a 200."""
        full_url = f"{url}?{query_string}" if query_string else url
        content = body.encode(charset) if body else None
        return self._send("POST", full_url, headers=dict(headers or {}), content=content)

    def get(self, url: str) -> bytes:
        """GET `url` (a bill download); the answer's bytes when it is a 200."""
        return self._send("GET", url)

    def get_into(self, url: str, into: IO[bytes]) -> None:
        """GET `url` (a bill download) into a file, a chunk at a time: the answer is never held whole."""
        with self._failures(url), self._client.stream("GET", url) as response:
            self._check(response, url)
            for chunk in response.iter_bytes(CHUNK):
                into.write(chunk)

    def close(self) -> None:
        """Release pooled connections."""
        self._client.close()

    def _send(self, method: str, url: str, headers: dict[str, str] | None = None,
              content: bytes | None = None) -> bytes:
        with self._failures(url):
            response = self._client.request(method, url, headers=headers, content=content)
        self._check(response, url)
        return response.content

    @contextmanager
    def _failures(self, url: str) -> Iterator[None]:
        """Every failure to get an answer as ProviderUnavailable."""
        host = httpx.URL(url).host or "?"
        try:
            yield
        except httpx.TimeoutException as e:
            raise ProviderUnavailable(f"Alipay did not answer within {self.timeout:g} s", host=host) from e
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as e:
            raise ProviderUnavailable(f"Alipay cannot be reached: {type(e).__name__}", host=host) from e

    @staticmethod
    def _check(response: httpx.Response, url: str) -> None:
        if response.status_code != 200:
            raise ProviderUnavailable(f"Alipay answered HTTP {response.status_code}",
                                      host=httpx.URL(url).host or "?", http_status=response.status_code)
