"""A notification naming an Alipay certificate the app does not know: one download a minute at most, whatever it
names (anyone can post one), and none for a certificate already known."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from adapters.gateways.alipay.cert_mode import certificate_mode
from adapters.gateways.alipay.client import NOTIFIED_LEARN_INTERVAL, AlipayClient
from adapters.gateways.alipay.credentials import AlipayCredentials
from application.errors import ProviderError
from tests.rsa_keys import key_pair

CERTS = Path(__file__).parents[2] / "integration" / "alipay" / "certs"
MODE = certificate_mode((CERTS / "appCertPublicKey_2021005122643016.crt").read_text(),
                        (CERTS / "alipayCertPublicKey_RSA2.crt").read_text(),
                        (CERTS / "alipayRootCert.crt").read_text())


def client_at(now: list[float], answers: dict[str, bool]) -> tuple[AlipayClient, list[str]]:
    """A certificate-mode client on a clock the test moves; its download learns the SNs `answers` says exist."""
    credentials = AlipayCredentials("2021005122643016", key_pair(0).pkcs1_pem, "", certificates=MODE)
    client = AlipayClient(credentials, 3.0, monotonic=lambda: now[0])
    asked: list[str] = []

    async def learn(sn: str) -> None:  # what the download does: learn the certificate, or raise
        asked.append(sn)
        if not answers.get(sn):
            raise ProviderError(f"Alipay would not hand out {sn}")
        assert client.mode is not None
        client.mode = replace(client.mode, alipay_keys={sn: "key", **client.mode.alipay_keys})

    client._learn = learn  # type: ignore[method-assign]
    return client, asked


async def test_a_flood_of_unknown_sns_costs_one_download_a_minute() -> None:
    now = [1000.0]
    client, asked = client_at(now, {})
    assert not await client.learn_named("a" * 32)
    for i in range(5):
        now[0] += NOTIFIED_LEARN_INTERVAL / 10
        assert not await client.learn_named(f"{i:032x}")
    assert asked == ["a" * 32]
    now[0] = 1000.0 + NOTIFIED_LEARN_INTERVAL
    assert not await client.learn_named("b" * 32)
    assert asked == ["a" * 32, "b" * 32]


async def test_a_certificate_alipay_hands_out_is_learned_and_a_known_one_asks_nothing() -> None:
    now = [0.0]
    known = next(iter(MODE.alipay_keys))
    client, asked = client_at(now, {"c" * 32: True})
    assert await client.learn_named(known)
    assert asked == []
    assert await client.learn_named("c" * 32)
    assert await client.learn_named("c" * 32)  # known now: no second download, even inside the minute
    assert asked == ["c" * 32]
