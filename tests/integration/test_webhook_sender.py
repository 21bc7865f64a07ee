"""The httpx WebhookSender against real sockets: what it sends, and failures returned, never raised."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from adapters.webhooks.sender import HttpxWebhookSender
from application.webhook_addresses import WebhookAddressPolicy
from tests.webhook_receiver import Receiver, receiving


async def test_the_body_and_headers_go_out_as_given_and_the_answer_comes_back_as_a_short_snippet() -> None:
    sender = HttpxWebhookSender()
    async with receiving(Receiver([500])) as receiver:
        failed = await sender.send(receiver.url, b'{"id":"evt_1"}', {"Paycore-Event-Id": "evt_1"})
        ok = await sender.send(receiver.url, b"{}", {})
    await sender.aclose()
    assert (failed.status_code, failed.error) == (500, None)
    assert failed.snippet.startswith("receiver says no")
    assert len(failed.snippet) == 200
    assert (ok.status_code, ok.snippet) == (200, "ok")
    assert receiver.requests[0].body == b'{"id":"evt_1"}'
    assert receiver.requests[0].headers["paycore-event-id"] == "evt_1"
    assert failed.latency_seconds > 0


async def test_a_refused_connection_is_returned_as_an_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    result = await HttpxWebhookSender().send(f"http://127.0.0.1:{port}/hook", b"{}", {})
    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("could not be sent")


async def test_an_endpoint_that_never_answers_times_out_into_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts the connection, never answers
        result = await HttpxWebhookSender(timeout=0.3).send(f"http://127.0.0.1:{sock.getsockname()[1]}/", b"{}", {})
    assert result.status_code is None
    assert result.error is not None
    assert result.error.startswith("timed out")
    assert 0.2 < result.latency_seconds < 5


async def test_a_malformed_url_is_returned_as_an_error() -> None:
    result = await HttpxWebhookSender().send("http://exa mple.com:99999/x", b"{}", {})
    assert result.status_code is None
    assert result.error is not None


async def test_a_name_resolving_to_a_link_local_address_is_refused_without_a_request(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with receiving(Receiver([200])) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        loop = asyncio.get_running_loop()

        async def resolve(host: str, *args: Any, **kwargs: Any) -> list[Any]:
            address = "169.254.169.254" if host == "metadata.shop.example" else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]
        monkeypatch.setattr(loop, "getaddrinfo", resolve)  # the name "later resolves elsewhere"

        result = await HttpxWebhookSender().send(f"http://metadata.shop.example:{port}/hook", b"{}", {})
        assert receiver.requests == []
    assert (result.status_code, result.snippet) == (None, "")
    assert result.error is not None
    assert result.error.startswith("refused: metadata.shop.example resolves to 169.254.169.254 is link-local")


async def test_an_allow_list_refuses_a_host_outside_it_at_delivery() -> None:
    async with receiving(Receiver([200])) as receiver:
        sender = HttpxWebhookSender(addresses=WebhookAddressPolicy(["10.0.0.0/8"]))
        refused = await sender.send(receiver.url.replace("127.0.0.1", "localhost"), b"{}", {})
        allowed = await HttpxWebhookSender(addresses=WebhookAddressPolicy(["127.0.0.0/8"])).send(
            receiver.url, b"{}", {})
        assert len(receiver.requests) == 1
    assert refused.error is not None
    assert "PAYCORE_WEBHOOK_ALLOWED_HOSTS" in refused.error
    assert allowed.status_code == 200


async def test_a_name_that_does_not_resolve_is_an_error() -> None:
    result = await HttpxWebhookSender().send("http://no-such-host.invalid/hook", b"{}", {})
    assert result.status_code is None
    assert result.error is not None
    assert "does not resolve" in result.error
