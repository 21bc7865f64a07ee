"""X-Request-ID on every response and in every log line of its request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from entrypoints.logs import JsonFormatter, RedactingFilter
from tests.e2e.conftest import Env, order


async def test_every_response_carries_a_request_id_and_a_usable_one_sent_is_kept(env: Env) -> None:
    created = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    unrouted = await env.client.get("/no/such/route")
    refused = await env.client.get("/v1/payments", headers={"Authorization": "Bearer nope"})
    kept = await env.client.get("/health", headers={"X-Request-ID": "shop-7f3a.1"})
    unusable = await env.client.get("/health", headers={"X-Request-ID": "bad id;" * 30})

    ids = [r.headers.get("x-request-id") for r in (created, unrouted, refused, unusable)]
    assert all(i and len(i) == 32 for i in ids), ids
    assert len(set(ids)) == 4
    assert kept.headers["x-request-id"] == "shop-7f3a.1"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """paycore's JSON log format, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


async def test_the_log_lines_of_a_request_name_its_id(env: Env, json_log: io.StringIO) -> None:
    await env.client.post("/v1/payments", json=order(), headers=env.auth())
    answer = await env.client.post("/v1/notify/alipay", data={"order_no": "T20261124001", "sign": "forged"},
                                   headers={"X-Request-ID": "notify-1"})

    assert answer.headers["x-request-id"] == "notify-1"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    rejected = [line for line in lines if "notification.rejected" in line["message"]]
    assert rejected
    assert {line["request_id"] for line in rejected} == {"notify-1"}
