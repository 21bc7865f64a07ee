"""Standard Webhooks: every webhook verifies with the standardwebhooks library's own verifier and the key's
whsec_ secret as given; a rotation sends both signatures until its overlap ends."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.e2e.test_webhooks import readme_verifier, shop
from tests.webhook_receiver import Receiver


def verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """What a business system running the reference library concludes."""
    try:
        Webhook(secret).verify(body, {k: v for k, v in headers.items() if k.startswith("webhook-")})
    except WebhookVerificationError:
        return False
    return True


async def test_a_webhook_verifies_with_the_reference_library_and_a_new_secret_is_32_random_bytes(
        tmp_path: Path) -> None:
    async with shop(tmp_path, Receiver()) as s:
        await s.paid_payment()
        [hook] = await s.receiver.wait_for(1, within=5)

    assert s.webhook_secret.startswith("whsec_")
    assert len(base64.b64decode(s.webhook_secret.removeprefix("whsec_"), validate=True)) == 32
    assert hook.headers["webhook-id"] == json.loads(hook.body)["id"] == hook.headers["paycore-event-id"]
    assert verifies(s.webhook_secret, hook.body, hook.headers)
    assert not verifies("whsec_" + base64.b64encode(b"x" * 32).decode(), hook.body, hook.headers)
    assert not verifies(s.webhook_secret, hook.body.replace(b"99.90", b"9.90"), hook.headers)


async def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(tmp_path: Path) -> None:
    async with shop(tmp_path, Receiver()) as s:
        key_id = s.payments_key.split("_")[1]
        rotated = await s.client.post(f"/v1/admin/api-keys/{key_id}/webhook-secret", json={"overlap_hours": 24},
                                      headers=s.auth(admin=True))
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["webhook_secret"]
        assert rotated.json()["previous_valid_until"] is not None
        await s.paid_payment()
        [during] = await s.receiver.wait_for(1, within=5)
        ended = await s.client.post(f"/v1/admin/api-keys/{key_id}/webhook-secret", json={"overlap_hours": 0},
                                    headers=s.auth(admin=True))
        newest = ended.json()["webhook_secret"]
        await s.client.post("/v1/payments/T20261124001/close", headers=s.auth())  # a paid one answers 409: no hook
        refund = await s.client.post("/v1/payments/T20261124001/refunds", json={"refund_no": "R1",
                                     "refund_amount": "1.00"}, headers=s.auth())
        assert refund.status_code == 201, refund.text
        later = (await s.receiver.wait_for(2, within=5))[1]
        bad = await s.client.post(f"/v1/admin/api-keys/{key_id}/webhook-secret", json={"overlap_hours": 169},
                                  headers=s.auth(admin=True))
        unknown = await s.client.post("/v1/admin/api-keys/0000000000000000/webhook-secret", json={},
                                      headers=s.auth(admin=True))

    readme = readme_verifier()
    for secret in (s.webhook_secret, new):  # during the overlap: the old and the new one
        assert verifies(secret, during.body, during.headers)
        assert readme(secret, during.body, during.headers["paycore-signature"])
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert (ended.json()["previous_valid_until"], ended.status_code) == (None, 200)
    assert verifies(newest, later.body, later.headers)
    assert not verifies(new, later.body, later.headers)  # no overlap asked for: the previous one stopped at once
    assert not readme(new, later.body, later.headers["paycore-signature"])
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_ERROR")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "API_KEY_NOT_FOUND")
