"""What `paycore demo` prepares: demo configs and keys, and the text telling a newcomer what to do."""

from __future__ import annotations

from pathlib import Path

from application.ports import PaymentConfig
from entrypoints.container import build_container
from entrypoints.settings import Settings

DEMO_CONFIGS = (
    PaymentConfig(0, "alipay", "demo alipay (offline)", app_id="2021000000000000", is_default=True),
    PaymentConfig(0, "wechat", "demo wechat (offline)", app_id="wxdemo0000000000", mch_id="1900000000",
                  is_default=True),
)


def demo_master_key_file(path: str = "paycore-demo.masterkey") -> str:
    """A master key file for the demo database, made once beside it (demo only: real ones live elsewhere)."""
    from adapters.crypto.master_keys import generate_master_key

    target = Path(path)
    if not target.exists():
        target.write_text(generate_master_key("demo") + "\n", encoding="utf-8")
        target.chmod(0o600)
    return str(target.resolve())


async def prepare_demo(settings: Settings) -> str:
    """Make sure demo configs exist, issue fresh keys, and say how to try it."""
    container = build_container(settings)
    try:
        async with container.uow()() as uow:
            for config in DEMO_CONFIGS:
                if await uow.configs.get_default(config.payment_type) is None:
                    await uow.configs.add(config)
            await uow.commit()
        admin = await container.api_keys().issue("demo admin", "admin")
        shop = await container.api_keys().issue("demo shop", "payments")
    finally:
        await container.engine().dispose()
    url = settings.public_url
    return f"""
paycore demo: SQLite at {settings.database_url}, offline demo providers (no merchant account needed).

  API docs:      {url}/schema
  admin key:     {admin.token}
  payments key:  {shop.token}

Create a payment:
  curl -s -X POST {url}/v1/payments -H 'Authorization: Bearer {shop.token}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"order_no": "DEMO0001", "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing", "total_amount": "99.90"}}'
Read it:   curl -s {url}/v1/payments/DEMO0001 -H 'Authorization: Bearer {shop.token}'
Close it:  curl -s -X POST {url}/v1/payments/DEMO0001/close -H 'Authorization: Bearer {shop.token}'
"""
