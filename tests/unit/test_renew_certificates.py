"""The worker's certificate renewal: every config whose gateway renews certificates, one failure not stopping
the others, gateways that do not renew left alone."""

from __future__ import annotations

from adapters.gateways.fake import FakeGateway
from adapters.memory.uow import MemoryUnitOfWorkFactory
from application.errors import ProviderUnavailable
from application.ports.providers import Gateway, NotificationRouter
from application.records import PaymentConfig
from application.renew_certificates import RenewCertificates
from domain.kinds import PaymentType


class Renewing(FakeGateway):
    """A gateway that learns `learns` certificates, or fails."""

    def __init__(self, learns: int = 0, fails: bool = False) -> None:
        super().__init__()
        self.learns, self.fails, self.renewals = learns, fails, 0

    async def renew_certificates(self) -> int:
        self.renewals += 1
        if self.fails:
            raise ProviderUnavailable("WeChat Pay could not be reached")
        return self.learns


class ByConfig:
    """A registry handing each config its own gateway."""

    def __init__(self, gateways: dict[int, Gateway]) -> None:
        """Each config id's gateway."""
        self.gateways = gateways

    def verifier(self, config: PaymentConfig) -> Gateway:
        return self.gateways[config.config_id]

    def router(self, payment_type: str) -> NotificationRouter:
        """Not asked for by the renewal."""
        raise NotImplementedError


async def test_every_renewing_gateway_renews_and_a_failure_does_not_stop_the_others() -> None:
    uow = MemoryUnitOfWorkFactory()
    async with uow() as unit:
        for n in (1, 2, 3, 4):
            await unit.configs.add(PaymentConfig(config_id=0, payment_type=PaymentType.WECHAT, config_name=f"c{n}"))
        await unit.commit()
        ids = [c.config_id for c in await unit.configs.list()]
    failing, learning, plain, quiet = Renewing(fails=True), Renewing(learns=2), FakeGateway(), Renewing()
    renew = RenewCertificates(uow, ByConfig(dict(zip(ids, (failing, learning, plain, quiet), strict=True))))

    assert await renew.run_once() == 2

    assert (failing.renewals, learning.renewals, quiet.renewals) == (1, 1, 1)
