"""Renew the provider certificates of every config whose gateway renews them (the worker's scheduled job)."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from application.errors import ApplicationError
from application.ports.providers import NotificationVerifier
from application.ports.storage import UnitOfWorkFactory
from application.records import PaymentConfig

log = logging.getLogger(__name__)


@runtime_checkable
class RenewsCertificates(Protocol):
    """A gateway that downloads its provider's certificates and keeps the new ones that check out."""

    async def renew_certificates(self) -> int:
        """Download and trust; how many certificates are new."""


class Verifiers(Protocol):
    """The one capability renewal needs: a config's notification verifier (the part of a gateway that trusts keys)."""

    def verifier(self, config: PaymentConfig) -> NotificationVerifier:
        """The verifier of the config's provider."""


class RenewCertificates:
    """One pass over the live configs: each gateway that renews certificates does so; a failure is logged and
    the others go on (the config keeps what it trusts, and its next answer under a new serial tries again)."""

    def __init__(self, uow: UnitOfWorkFactory, gateways: Verifiers) -> None:
        self._uow, self._gateways = uow, gateways

    async def run_once(self) -> int:
        """How many certificates were new across every config."""
        async with self._uow() as uow:
            configs = await uow.configs.list()
        learned = 0
        for config in configs:
            try:
                gateway = self._gateways.verifier(config)
                if isinstance(gateway, RenewsCertificates):
                    learned += await gateway.renew_certificates()
            except ApplicationError as e:
                log.warning("certificate_renewal_failed config_id=%s error=%s", config.config_id, e.message)
            except Exception:  # one config's surprise must not keep the others from renewing
                log.exception("certificate_renewal_failed config_id=%s", config.config_id)
        return learned
