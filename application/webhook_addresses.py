"""Where paycore may send webhooks: never to link-local (cloud metadata), unspecified, multicast or broadcast
addresses; only to listed hosts when `PAYCORE_WEBHOOK_ALLOWED_HOSTS` is set. Checked when an address is given
and again, after DNS resolution, before each delivery (a name may later resolve elsewhere).

Loopback and private ranges stay allowed by default: paycore is self-hosted, and the business system usually
sits on the same private network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from application.errors import RefusedWebhookAddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_BROADCAST = ipaddress.IPv4Address("255.255.255.255")


def forbidden_reason(address: IpAddress) -> str | None:
    """Why paycore never sends to this address, or None."""
    reasons = forbidden_reasons(address)
    return reasons[0] if reasons else None


def forbidden_reasons(address: IpAddress) -> tuple[str, str] | None:
    """Why paycore never sends to this address, in English and in Chinese, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local:
        return (f"{address} is link-local (cloud metadata services live there)",
                f"{address} 是链路本地地址（云元数据服务在此）")
    if address.is_unspecified:
        return f"{address} is the unspecified address", f"{address} 是未指定地址"
    if address.is_multicast:
        return f"{address} is a multicast address", f"{address} 是组播地址"
    if address == _BROADCAST:
        return f"{address} is the broadcast address", f"{address} 是广播地址"
    return None


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class WebhookAddressPolicy:
    """The rules, with the operator's allow list: host names (exact, case-insensitive) and CIDRs."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[IpNetwork] = []
        for entry in (e.strip() for e in allowed):
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry.lower().rstrip("."))

    @property
    def restricted(self) -> bool:
        """Whether an allow list is set."""
        return bool(self.names or self.networks)

    def check_url(self, url: str, field: str) -> None:
        """Refuse, naming the field, an address paycore would never send to (checked when it is given)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise RefusedWebhookAddress(field, "must be an http:// or https:// URL with a host",
                                        "须为带主机名的 http:// 或 https:// 地址")
        literal = _literal(host)
        unlisted = (f"{host} is not in PAYCORE_WEBHOOK_ALLOWED_HOSTS", f"{host} 不在 PAYCORE_WEBHOOK_ALLOWED_HOSTS 中")
        if literal is not None:
            reasons = forbidden_reasons(literal)
            if reasons is not None:
                raise RefusedWebhookAddress(field, f"paycore never sends webhooks there: {reasons[0]}",
                                            f"paycore 从不向该地址发送 webhook：{reasons[1]}")
            if self.restricted and not self._listed_address(literal) and host not in self.names:
                raise RefusedWebhookAddress(field, *unlisted)
        elif self.restricted and host not in self.names and not self.networks:
            raise RefusedWebhookAddress(field, *unlisted)

    def delivery_refusal(self, host: str, addresses: Sequence[IpAddress]) -> str | None:
        """Why a delivery to this host, resolved to these addresses, must not be made; None when it may."""
        name = host.lower().rstrip(".").strip("[]")
        if not addresses:
            return f"{host} resolves to no address"
        for address in addresses:
            reason = forbidden_reason(address)
            if reason is not None:
                return f"{host} resolves to {reason}"
        if self.restricted and name not in self.names and not all(self._listed_address(a) for a in addresses):
            return f"{host} is not in PAYCORE_WEBHOOK_ALLOWED_HOSTS"
        return None

    def _listed_address(self, address: IpAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)
