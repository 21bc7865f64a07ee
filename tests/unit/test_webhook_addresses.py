"""Where webhooks may go: never link-local, unspecified, multicast or broadcast; only listed hosts when listed."""

from __future__ import annotations

import ipaddress

import pytest

from application.errors import RefusedWebhookAddress
from application.webhook_addresses import WebhookAddressPolicy

NEVER = ["http://169.254.169.254/latest/meta-data/", "http://169.254.0.1:8080/", "http://0.0.0.0/hook",
         "http://[::]/hook", "http://[fe80::1]/hook", "http://224.0.0.1/", "http://[ff02::1]/",
         "http://255.255.255.255/", "http://[::ffff:169.254.169.254]/"]
FINE = ["http://127.0.0.1:9000/hook", "https://shop.example/hooks/paycore", "http://10.0.0.5/hook",
        "http://192.168.1.20/hook", "http://[::1]/hook", "http://localhost:8080/x"]


def refusal(policy: WebhookAddressPolicy, url: str, field: str = "notify_url") -> str:
    with pytest.raises(RefusedWebhookAddress) as refused:
        policy.check_url(url, field)
    assert refused.value.extra["fields"] == [{"key": field, "message": refused.value.reason,
                                              "message_zh": refused.value.reason_zh}]
    return refused.value.reason


@pytest.mark.parametrize("url", NEVER)
def test_an_address_paycore_never_sends_to_is_refused_naming_the_field(url: str) -> None:
    assert "never sends webhooks there" in refusal(WebhookAddressPolicy(), url, "webhook_url")


@pytest.mark.parametrize("url", FINE)
def test_loopback_private_and_public_addresses_are_allowed_by_default(url: str) -> None:
    WebhookAddressPolicy().check_url(url, "notify_url")


@pytest.mark.parametrize("url", ["ftp://shop.example/x", "shop.example/x", "http:///x", "javascript:alert(1)"])
def test_only_http_and_https_urls_with_a_host_are_taken(url: str) -> None:
    assert "http://" in refusal(WebhookAddressPolicy(), url)


def test_an_allow_list_of_names_and_cidrs_restricts_addresses() -> None:
    policy = WebhookAddressPolicy(["hooks.shop.example", "10.1.0.0/16", " "])
    policy.check_url("https://HOOKS.shop.example./paycore", "notify_url")
    policy.check_url("http://10.1.2.3/hook", "notify_url")
    policy.check_url("http://erp.internal/hook", "notify_url")  # a name may resolve into 10.1/16: checked at delivery
    assert "PAYCORE_WEBHOOK_ALLOWED_HOSTS" in refusal(policy, "http://10.2.0.1/hook")
    assert "never sends" in refusal(WebhookAddressPolicy(["169.254.0.0/16"]), "http://169.254.169.254/")
    names_only = WebhookAddressPolicy(["hooks.shop.example"])
    assert "PAYCORE_WEBHOOK_ALLOWED_HOSTS" in refusal(names_only, "http://erp.internal/hook")


def addresses(*texts: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    return [ipaddress.ip_address(t) for t in texts]


def test_at_delivery_every_resolved_address_is_checked() -> None:
    policy = WebhookAddressPolicy()
    assert policy.delivery_refusal("shop.example", addresses("93.184.216.34")) is None
    refused = policy.delivery_refusal("shop.example", addresses("93.184.216.34", "169.254.169.254"))
    assert refused is not None
    assert "link-local" in refused
    assert policy.delivery_refusal("nowhere.example", []) == "nowhere.example resolves to no address"
    listed = WebhookAddressPolicy(["10.1.0.0/16", "hooks.shop.example"])
    assert listed.delivery_refusal("erp.internal", addresses("10.1.0.9")) is None
    assert listed.delivery_refusal("erp.internal", addresses("10.1.0.9", "10.9.0.1")) is not None
    assert listed.delivery_refusal("hooks.shop.example", addresses("203.0.113.7")) is None
    assert listed.delivery_refusal("hooks.shop.example", addresses("fe80::1")) is not None
