"""Whatever a client sends, the answer is never a 500 and always carries an error code."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from adapters.gateways.fake import FakeGateway
from application.records import PaymentConfig
from domain.kinds import PaymentType
from entrypoints.http.app import create_app
from tests.e2e.conftest import build_env, order

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Valid bodies with one field replaced by anything at all.
mutated_orders = st.builds(
    lambda field, value: {**order(), field: value},
    st.sampled_from([*sorted(order()), "expire_minutes", "config_id", "openid", "body"]),
    json_values,
)


def test_no_body_path_or_header_makes_the_api_answer_500(tmp_path: Path) -> None:
    async def setup() -> tuple[Any, str]:
        config = PaymentConfig(0, PaymentType.ALIPAY, "fuzz", app_id="2021", is_default=True)
        container, _ = await build_env(tmp_path, {"alipay": FakeGateway()}, (config,))
        # Its hundreds of bad keys would trip the failed-authentication limit (tested in test_rate_limits.py).
        container.settings.override(dataclasses.replace(container.settings(), failed_auth_per_minute=0))
        key = (await container.api_keys().issue("fuzz", "admin")).token
        await container.engine().dispose()
        return container, key

    container, key = asyncio.run(setup())
    with TestClient(create_app(container)) as client:
        auth = {"Authorization": f"Bearer {key}"}

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            body=json_values | mutated_orders,
            segment=st.text(max_size=40),
            header=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=300),
        )
        def check(body: object, segment: str, header: str) -> None:
            created = client.post("/v1/payments", json=body, headers={**auth, "Idempotency-Key": header})
            assert created.status_code < 500, created.text
            assert created.status_code in (200, 201) or created.json()["code"]
            refund = client.post(f"/v1/payments/{quote(segment, safe='') or 'x'}/refunds", json=body, headers=auth)
            assert refund.status_code < 500, refund.text
            read = client.get("/v1/payments", params={"cursor": segment, "trade_status": header[:20]}, headers=auth)
            assert read.status_code < 500, read.text
            anon = client.get("/v1/payments", headers={"Authorization": header})
            assert anon.status_code == 401

        check()
    asyncio.run(container.engine().dispose())
