"""The httpx WebhookSender against real sockets: what it sends, and failures returned, never raised."""

from __future__ import annotations

import socket

from adapters.webhooks.sender import HttpxWebhookSender
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
