"""Secrets never at rest in clear nor in any admin answer; the admin config routes need an admin key."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Env
from tests.e2e.test_admin_configs import alipay_config, wechat_config
from tests.rsa_keys import KeyPair, key_pair

CONFIGS = "/v1/admin/payment-configs"
API_V3_KEY = "Zq7Xw2Lm9Rt4Vb6Nc8Hd1Jf3Kg5Ps0Ae"  # 32 bytes, unlike anything else in the database
NEW_API_V3_KEY = "Yh4Tk8Wn2Qr6Ub0Ix3Oz7Mc1Lv5Ed9Sa"
WECHAT_V2_KEY = "Vg3Bn7Hj1Kl5Qw9Er2Ty6Ui0Op4As8Df"


def key_forms(pair: KeyPair) -> list[str]:
    """What of a private key must never be found: its PEMs, lines of them, slices of its base64, its DER."""
    pkcs1_body = "".join(line for line in pair.pkcs1_pem.splitlines() if not line.startswith("-----"))
    forms = [pair.pkcs1_pem, pair.pkcs8_pem]
    for body in (pkcs1_body, pair.pkcs8_base64):
        forms += [body[i:i + 40] for i in range(0, len(body) - 40, 300)]
    forms += [line for line in pair.pkcs8_pem.splitlines()[3:8]]
    der = base64.b64decode(pair.pkcs8_base64)
    forms += [der[i:i + 32].hex() for i in (64, 512)]
    return forms


def raw_der_slices(pair: KeyPair) -> list[bytes]:
    """Binary slices of the private key's DER, in case it were stored unencoded."""
    der = base64.b64decode(pair.pkcs8_base64)
    return [der[i:i + 32] for i in (64, 512, 1024)]


async def admin(env: Env, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One admin call that must succeed."""
    response = await env.client.request(method, path, json=body, headers=env.auth(env.admin_key))
    assert response.status_code in (200, 201), response.text
    return response


async def test_no_secret_is_stored_or_answered_in_clear(env: Env, tmp_path: Path) -> None:
    pem_key, b64_key, patched_key = key_pair(2), key_pair(3), key_pair(4)
    answers = [
        await admin(env, "POST", CONFIGS, alipay_config(private_key=pem_key.pkcs1_pem)),
        await admin(env, "POST", CONFIGS, alipay_config(config_name="b64", private_key=b64_key.pkcs8_base64)),
        await admin(env, "POST", CONFIGS, wechat_config(api_v3_key=API_V3_KEY, api_key=WECHAT_V2_KEY,
                                                        private_key=pem_key.pkcs8_pem)),
    ]
    wechat_id = answers[-1].json()["config_id"]
    answers.append(await admin(env, "PATCH", f"{CONFIGS}/{wechat_id}",
                               {"api_v3_key": NEW_API_V3_KEY, "private_key": patched_key.pkcs1_pem}))
    answers += [await admin(env, "GET", f"{CONFIGS}/{a.json()['config_id']}") for a in answers[:3]]
    answers.append(await admin(env, "GET", CONFIGS))
    issued = await admin(env, "POST", "/v1/admin/api-keys",
                         {"name": "shop", "scope": "payments", "webhook_url": "http://shop.test/hook"})
    token, webhook_secret = issued.json()["key"], issued.json()["webhook_secret"]
    assert webhook_secret.startswith("whsec_")
    answers.append(await admin(env, "GET", "/v1/admin/api-keys"))

    token_secret = token.removeprefix("pck_").partition("_")[2]  # the secret itself may hold "_"
    secrets = [API_V3_KEY, NEW_API_V3_KEY, WECHAT_V2_KEY, token, token_secret, webhook_secret,
               *key_forms(pem_key), *key_forms(b64_key), *key_forms(patched_key)]
    assert min(len(s) for s in secrets) >= 32  # long enough never to match by chance
    for answer in answers:
        assert answer.json()["items" if "items" in answer.json() else "private_key"] is not None
        leaked = [s[:12] for s in secrets if s in answer.text]
        assert not leaked, f"{answer.request.method} {answer.request.url.path} answered {leaked}"

    url = env.container.settings().database_url
    if not url.startswith("sqlite"):
        return  # the answers are checked on every database; the raw file only exists for SQLite
    database_file = Path(url.partition(":///")[2])
    stored = raw_database(database_file)  # with the log as the writers left it
    await env.container.engine().dispose()  # the last connection checkpoints the log into the file
    stored += raw_database(database_file)
    assert b"main wechat" in stored  # the raw read does see the rows
    assert b"pc1:t1:" in stored
    leaked = [s[:12] for s in secrets if s.encode() in stored]
    leaked += [s.hex()[:12] for p in (pem_key, b64_key, patched_key) for s in raw_der_slices(p) if s in stored]
    assert not leaked, f"found in the database file: {leaked}"


def raw_database(path: Path) -> bytes:
    """The bytes of the SQLite file and of its write-ahead log, if any."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())

