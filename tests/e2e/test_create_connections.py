"""A create reads its API key, its earlier payment and its config in one unit of work, and a refused create gives
its pooled connection back at once (issue 12)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import Env, order

REFUSED = [
    pytest.param({"json": {**order(), "total_amount": "abc"}}, 400, id="invalid-body"),
    pytest.param({"content": b"{garbage", "headers": {"Content-Type": "application/json"}}, 400, id="unparsable"),
    pytest.param({"json": {**order(), "pay_method": "bogus"}}, 400, id="unsupported-method"),
    pytest.param({"json": order(), "key": "pck_0123456789abcdef_wrong"}, 401, id="unknown-key"),
]


@pytest.fixture
def pool(env: Env) -> Counter[str]:
    """Checkouts and checkins of the app's engine, counted as they happen."""
    counts: Counter[str] = Counter()
    engine = env.container.engine().sync_engine
    sa.event.listen(engine, "checkout", lambda *_: counts.update(["out"]))
    sa.event.listen(engine, "checkin", lambda *_: counts.update(["in"]))
    return counts


async def test_a_create_uses_two_units_of_work_and_gives_both_back(env: Env, pool: Counter[str]) -> None:
    response = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert response.status_code == 201, response.text
    # One for the key, the existing payment and the config; one for the INSERT after the gateway signed.
    assert pool == Counter(out=2, **{"in": 2})
    repeat = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert repeat.status_code == 200, repeat.text
    assert pool == Counter(out=3, **{"in": 3})  # a repeat is answered from the first unit of work


@pytest.mark.parametrize(("request_args", "status"), REFUSED)
async def test_a_refused_create_keeps_no_connection(env: Env, pool: Counter[str], request_args: dict[str, Any],
                                                    status: int) -> None:
    args = dict(request_args)
    headers = {**env.auth(args.pop("key", None)), **args.pop("headers", {})}
    response = await env.client.post("/v1/payments", headers=headers, **args)
    assert response.status_code == status, response.text
    assert pool["out"] == pool["in"] <= 1
