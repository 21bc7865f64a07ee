"""No secret reaches a log line: every form of secret through every log path, in both log formats."""

from __future__ import annotations

import base64
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from adapters.crypto.master_keys import MasterKey
from adapters.crypto.secret_box import AesGcmSecretBox
from application.manage_configs import ConfigView, ManageConfigs
from entrypoints.http.app import create_app
from entrypoints.logs import REDACTED, configure_logging
from tests.e2e.conftest import build_env
from tests.e2e.test_admin_configs import alipay_config, wechat_config
from tests.rsa_keys import KeyPair, key_pair

API_V3_KEY = "Qm3Zt8Kw1Xv6Rb0Np4Hs9Lc2Fy7Dg5Ju"
TOKEN = "pck_0f1e2d3c4b5a6978_Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5kM7nP9r"
WEBHOOK_SECRET = "whsec_Zx8Cv6Bn4Ml2Kj0Hg8Fd6Sa4Po2Iu0Yt8Re6Wq4Ty2"
MASTER_KEY = base64.b64encode(bytes(range(7, 39))).decode()


@dataclass(frozen=True)
class Secret:
    """A secret as it might be handed to a logger, and the parts of it no log line may hold."""

    text: str
    needles: tuple[str, ...]


def pem_needles(pem: str) -> tuple[str, ...]:
    """Each body line of a PEM block."""
    return tuple(line for line in pem.splitlines() if line and not line.startswith("-----"))


def slices(text: str, width: int = 40) -> tuple[str, ...]:
    """Overlapping slices of a long one-line secret."""
    return tuple(text[i:i + width] for i in range(0, len(text) - width, width // 2))


def secrets() -> dict[str, Secret]:
    """Every form of secret paycore handles, by name."""
    pair: KeyPair = key_pair(5)
    sealed = AesGcmSecretBox([MasterKey("t1", bytes(32))]).seal(API_V3_KEY, "ctx")
    token_secret = TOKEN.removeprefix("pck_").partition("_")[2]
    return {
        "pkcs1-pem": Secret(pair.pkcs1_pem, pem_needles(pair.pkcs1_pem)),
        "pkcs8-pem": Secret(pair.pkcs8_pem, pem_needles(pair.pkcs8_pem)),
        "base64-key": Secret(pair.pkcs8_base64, slices(pair.pkcs8_base64)),
        "api-v3-key-json": Secret(json.dumps({"mch_id": "1900000001", "api_v3_key": API_V3_KEY}), (API_V3_KEY,)),
        "api-v3-key-repr": Secret(repr({"mch_id": "1900000001", "api_v3_key": API_V3_KEY}), (API_V3_KEY,)),
        "api-v3-key-form": Secret(f"mch_id=1900000001&api_v3_key={API_V3_KEY}&sign_type=RSA2", (API_V3_KEY,)),
        "bearer-token": Secret(f"Authorization: Bearer {TOKEN}", (TOKEN, token_secret)),
        "bare-token": Secret(f"key {TOKEN} refused", (TOKEN, token_secret)),
        "webhook-secret": Secret(f"signing with {WEBHOOK_SECRET}", (WEBHOOK_SECRET, WEBHOOK_SECRET[6:])),
        "sealed-value": Secret(f"stored {sealed}", (sealed, sealed[10:50])),
        "master-keys-env": Secret(f"PAYCORE_MASTER_KEYS=k1:{MASTER_KEY}", (MASTER_KEY,)),
        "master-keys-json": Secret(json.dumps({"PAYCORE_MASTER_KEYS": f"k1:{MASTER_KEY}"}), (MASTER_KEY,)),
        "master-keys-repr": Secret(repr({"PAYCORE_MASTER_KEYS": f"k1:{MASTER_KEY}"}), (MASTER_KEY,)),
    }


SECRETS = secrets()


def in_message(log: logging.Logger, text: str) -> None:
    log.info("received " + text)


def in_args(log: logging.Logger, text: str) -> None:
    log.debug("received %s from %s", text, "shop")


def in_mapping_args(log: logging.Logger, text: str) -> None:
    log.warning("received %(body)s", {"body": text})


def in_exception(log: logging.Logger, text: str) -> None:
    try:
        raise ValueError(f"cannot use {text}")
    except ValueError:
        log.error("received a bad value", exc_info=True)


def in_chained_exception(log: logging.Logger, text: str) -> None:
    try:
        try:
            raise KeyError(text)
        except KeyError as e:
            raise RuntimeError("lookup failed") from e
    except RuntimeError:
        log.exception("received a bad value")


def as_non_string_message(log: logging.Logger, text: str) -> None:
    log.info(ValueError("received " + text))


LOG_PATHS = [in_message, in_args, in_mapping_args, in_exception, in_chained_exception, as_non_string_message]


@pytest.fixture(params=["console", "json"])
def log_output(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """configure_logging("DEBUG", fmt) writing into a buffer; logging restored afterwards."""
    root, litestar = logging.getLogger(), logging.getLogger("litestar")
    saved = (root.handlers[:], root.level, litestar.handlers[:], litestar.propagate, litestar.level)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("DEBUG", request.param)
    fmt: str = request.param

    def output() -> str:
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = stream.getvalue()
        if fmt == "json":  # still paycore's formatter: one JSON object per line
            assert all(json.loads(line) for line in text.splitlines()), text[:500]
        return text

    try:
        yield output
    finally:
        root.handlers[:], level, litestar.handlers[:], litestar.propagate, litestar_level = saved
        root.setLevel(level)
        litestar.setLevel(litestar_level)


def assert_no_secret(output: str, *names: str) -> None:
    """None of the named secrets' needles is in the output."""
    leaked = [f"{name}: {needle[:16]}…" for name in names for needle in SECRETS[name].needles if needle in output]
    assert not leaked, f"leaked {leaked} in:\n{output[:3000]}"


@pytest.mark.parametrize("path", LOG_PATHS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_secret_survives_a_log_path(log_output: Callable[[], str], name: str,
                                       path: Callable[[logging.Logger, str], None]) -> None:
    path(logging.getLogger("paycore.test"), SECRETS[name].text)
    output = log_output()
    assert "received" in output  # the record was written
    assert REDACTED in output
    assert_no_secret(output, name)


class Exploding(ManageConfigs):
    """The config use cases, failing with an error message full of secrets."""

    def __init__(self) -> None:
        """Nothing to wire: every call fails."""

    async def list(self) -> Sequence[ConfigView]:
        """A bug whose message holds every secret."""
        raise RuntimeError("; ".join(s.text for s in SECRETS.values()))


async def test_an_unexpected_error_is_logged_without_its_secrets(log_output: Callable[[], str],
                                                                 tmp_path: Path) -> None:
    container, _ = await build_env(tmp_path)
    admin = (await container.api_keys().issue("ops", "admin")).token
    container.configs.override(Exploding())
    try:
        async with AsyncTestClient(create_app(container)) as client:
            response = await client.get("/v1/admin/payment-configs", headers={"Authorization": f"Bearer {admin}"})
    finally:
        await container.engine().dispose()
    assert response.status_code == 500
    assert all(needle not in response.text for s in SECRETS.values() for needle in s.needles)
    output = log_output()
    assert "unhandled error on GET /v1/admin/payment-configs" in output
    assert "RuntimeError" in output
    assert_no_secret(output, *SECRETS)


async def test_driving_config_admin_with_debug_logs_leaks_nothing(log_output: Callable[[], str],
                                                                  tmp_path: Path) -> None:
    pair = key_pair(5)
    container, _ = await build_env(tmp_path)
    admin = {"Authorization": f"Bearer {(await container.api_keys().issue('ops', 'admin')).token}"}
    issued = await container.api_keys().issue("shop", "payments")
    path = "/v1/admin/payment-configs"
    try:
        async with AsyncTestClient(create_app(container)) as client:
            alipay = await client.post(path, json=alipay_config(private_key=pair.pkcs1_pem), headers=admin)
            wechat = await client.post(path, json=wechat_config(private_key=pair.pkcs8_pem, api_v3_key=API_V3_KEY),
                                       headers=admin)
            patched = await client.patch(f"{path}/{alipay.json()['config_id']}",
                                         json={"private_key": pair.pkcs8_base64}, headers=admin)
            refused = await client.post(path, json=wechat_config(private_key=pair.pkcs8_pem[:-40]), headers=admin)
            await client.get(path, headers={"Authorization": f"Bearer {issued.token}"})
            await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        await container.engine().dispose()
    assert (alipay.status_code, wechat.status_code, patched.status_code, refused.status_code) == (201, 201, 200, 400)
    output = log_output()
    assert "aiosqlite" in output  # DEBUG was on: the driver logged its statements
    assert_no_secret(output, "pkcs1-pem", "pkcs8-pem", "base64-key", "api-v3-key-json", "bare-token")
    assert issued.token not in output
    assert issued.webhook_secret not in output
