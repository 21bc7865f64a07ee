"""`paycore demo`: SQLite, the offline provider emulator, demo Alipay and WeChat Pay configs pointing at it,
the API, keys."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar

from application.create_payment import CreatePaymentCommand
from application.manage_configs import ConfigView
from application.records import PaymentConfig
from domain.money import Money
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator
from entrypoints.container import Container, build_container, open_secrets
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings
from entrypoints.worker import run_with_app

DEMO_ALIPAY = {"payment_type": "alipay", "config_name": "demo alipay (emulator)", "app_id": "2021000000000000",
               "seller_id": "2088000000000000", "is_default": True}
DEMO_ALIPAY_CERT = {"payment_type": "alipay", "config_name": "demo alipay certificate mode (emulator)",
                    "app_id": "2021000000000002", "seller_id": "2088000000000002", "is_default": False}
DEMO_MERCHANT = "paycore 演示商户 Demo Shop"  # PAYCORE_MERCHANT_NAME, unless set
DEMO_WECHAT = {"payment_type": "wechat", "config_name": "demo wechat (emulator)", "is_default": True}


@dataclass(frozen=True)
class Demo:
    """What the demo prepared: the emulator app, and the keys to print."""

    emulator: Litestar
    admin_key: str
    payments_key: str
    emulator_url: str
    alipay_cert_config_id: int
    cashier_url: str = ""  # a payment whose payer chooses the method, made at start: its cashier page


def demo_master_key_file(path: str = "paycore-demo.masterkey") -> str:
    """A master key file for the demo database, made once beside it (demo only: real ones live elsewhere)."""
    from adapters.crypto.master_keys import generate_master_key

    target = Path(path)
    if not target.exists():
        target.write_text(generate_master_key("demo") + "\n", encoding="utf-8")
        target.chmod(0o600)
    return str(target.resolve())


def _new_key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _named(views: Sequence[ConfigView], name: object) -> PaymentConfig | None:
    """The live config called name, if any."""
    return next((v.config for v in views if v.config.config_name == name), None)


async def _demo_alipay(container: Container, emulator: Litestar, emulator_url: str) -> None:
    """The demo Alipay config (app key pair made once), trusting this run's emulator key; its app registered."""
    alipay_public = emulator.state.alipay.public_key_pem
    gateway_url = f"{emulator_url}/gateway.do"
    configs = container.configs()
    existing = _named(await configs.list(), DEMO_ALIPAY["config_name"])
    if existing is None:
        app_private, app_public = _new_key_pair()
        view = await configs.create({**DEMO_ALIPAY, "private_key": app_private, "public_key": app_public,
                                     "alipay_public_key": alipay_public, "gateway_url": gateway_url}, by="demo")
    else:
        view = await configs.update(existing.config_id, {"alipay_public_key": alipay_public,
                                                         "gateway_url": gateway_url, "is_default": True}, by="demo")
    config = view.config
    emulator.state.alipay.register_app(config.app_id, config.public_key, config.setting("seller_id"))


async def _demo_alipay_certificates(container: Container, emulator: Litestar, emulator_url: str) -> int:
    """The demo Alipay config in certificate mode (公钥证书模式): this run's emulator issues its app certificate,
    Alipay's certificate and the root file (a new throwaway CA each run), and the config takes all three; its id."""
    configs = container.configs()
    existing = _named(await configs.list(), DEMO_ALIPAY_CERT["config_name"])
    if existing is None:
        app_private, app_public = _new_key_pair()
    else:
        app_private = open_secrets(container.secret_box(), existing)["private_key"]
        app_public = container.key_inspector().public_key_of(app_private)
    issued = emulator.state.alipay.register_cert_app(DEMO_ALIPAY_CERT["app_id"], app_public,
                                                     DEMO_ALIPAY_CERT["seller_id"])
    certificates = {"app_cert": issued["app_cert"], "alipay_cert": issued["alipay_cert"],
                    "alipay_root_cert": issued["alipay_root_cert"], "gateway_url": f"{emulator_url}/gateway.do"}
    if existing is None:
        view = await configs.create({**DEMO_ALIPAY_CERT, **certificates, "private_key": app_private}, by="demo")
    else:
        view = await configs.update(existing.config_id, certificates, by="demo")
    return view.config.config_id


async def _demo_wechat(container: Container, wechat: WeChatEmulator, emulator_url: str) -> None:
    """The demo WeChat Pay config in public-key mode, its merchant registered with this run's emulator.

    Merchant ids, the APIv3 key and the merchant key pair are made on first creation and kept in the config;
    the WeChat Pay public key and its id are this run's emulator's. The emulator learns the merchant's public
    key by deriving it from the sealed private key, the key paycore really signs with, so the two cannot drift.
    """
    platform = {"wechat_public_key": wechat.platform.public_key_pem,
                "wechat_public_key_id": wechat.platform.public_key_id, "gateway_url": emulator_url}
    configs = container.configs()
    existing = _named(await configs.list(), DEMO_WECHAT["config_name"])
    if existing is None:
        merchant_private, _ = _new_key_pair()
        view = await configs.create({
            **DEMO_WECHAT, **platform, "app_id": f"wx{secrets.token_hex(8)}",
            "mch_id": f"19{secrets.randbelow(10**8):08d}", "api_v3_key": secrets.token_hex(16),
            "cert_serial_no": secrets.token_hex(20).upper(), "private_key": merchant_private}, by="demo")
    else:
        view = await configs.update(existing.config_id, {**platform, "is_default": True}, by="demo")
    config = view.config
    opened = open_secrets(container.secret_box(), config)
    merchant_public = container.key_inspector().public_key_of(opened["private_key"])
    wechat.register_merchant(config.setting("mch_id"), config.app_id, merchant_public, config.setting("cert_serial_no"),
                             opened["api_v3_key"])


async def prepare_demo(settings: Settings, container: Container, emulator_url: str) -> Demo:
    """A fresh emulator (new "Alipay" and "WeChat Pay" keys each run), the demo configs pointed at it, fresh keys."""
    alipay_private, _ = _new_key_pair()
    emulator = create_emulator_app(EmulatorSettings(base_url=emulator_url, alipay_private_key_pem=alipay_private))
    await _demo_alipay(container, emulator, emulator_url)
    cert_config_id = await _demo_alipay_certificates(container, emulator, emulator_url)
    await _demo_wechat(container, emulator.state.wechat, emulator_url)
    admin = await container.api_keys().issue("demo admin", "admin")
    shop = await container.api_keys().issue("demo shop", "payments")
    return Demo(emulator, admin.token, shop.token, emulator_url, cert_config_id,
                await _choice_payment(container, shop.key.key_id))


async def _choice_payment(container: Container, api_key_id: str) -> str:
    """A payment whose payer chooses among every method of the demo configs (open for a day); its cashier_url."""
    order_no = f"DEMOPICK{secrets.token_hex(3).upper()}"  # a new one each run: the demo database is kept
    command = CreatePaymentCommand(order_no=order_no, payment_type=None, pay_method=None,
                                   subject="论文润色 Thesis polishing", total_amount=Money(9990),
                                   expire_minutes=1440, api_key_id=api_key_id)
    created = await container.create_payment()(command)
    url: str = container.cashier_links().url(created.payment)
    return url


def banner(settings: Settings, demo: Demo) -> str:
    """What to open and what to type."""
    url, key, emulator = settings.public_url, demo.payments_key, demo.emulator_url
    return f"""
paycore demo: SQLite at {settings.database_url}; an offline Alipay and WeChat Pay emulator at {emulator}
(no merchant account needed).

  API docs:      {url}/schema
  admin key:     {demo.admin_key}
  payments key:  {key}

Pay one now: this payment lets the payer choose Alipay or WeChat Pay on paycore's cashier page
(open it in a browser, pick a method, then Pay on the emulator's page or scan page):
  {demo.cashier_url}
Your own such payment: leave out payment_type and pay_method (optionally list "pay_methods"):
  curl -s -X POST {url}/v1/payments -H 'Authorization: Bearer {key}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"order_no": "DEMOPICK01", "pay_methods": ["alipay:pc", "alipay:qr", "wechat:native", "wechat:h5"], "subject": "Thesis polishing", "total_amount": "99.90"}}'

Alipay
1. Create a payment:
  curl -s -X POST {url}/v1/payments -H 'Authorization: Bearer {key}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"order_no": "DEMO0001", "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing", "total_amount": "99.90"}}'
2. Open its "cashier_url" ({url}/pay/DEMO0001?t=…, paycore's cashier page: the link's token is what opens
   it) in a browser, press "Pay with Alipay", then Pay on the emulator's page.
3. See it paid:
  curl -s {url}/v1/payments/DEMO0001 -H 'Authorization: Bearer {key}'
Alipay in certificate mode (公钥证书模式): config {demo.alipay_cert_config_id} holds an app certificate, Alipay's and the root
certificate; add "config_id": {demo.alipay_cert_config_id} to step 1's body (with another order_no): its pay_url carries
app_cert_sn and alipay_root_cert_sn. Its certificates and their SNs:
  curl -s {url}/v1/admin/payment-configs/{demo.alipay_cert_config_id} -H 'Authorization: Bearer {demo.admin_key}'

WeChat Pay (Native: the payer scans a QR code)
1. Create a payment:
  curl -s -X POST {url}/v1/payments -H 'Authorization: Bearer {key}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"order_no": "DEMOWX0001", "payment_type": "wechat", "pay_method": "native", "subject": "Thesis polishing", "total_amount": "99.90"}}'
2. Its "cashier_url" shows the "code_url" (weixin://wxpay/bizpayurl?pr=TOKEN) as the QR code a phone scans.
   Without a phone, open the emulator's
   scan page {emulator}/wechat/scan/TOKEN in a browser and press Pay (its address is also the "scan_url" of
   curl -s {emulator}/_control/wechat/transactions/DEMOWX0001).
3. See it paid, then refund it (the emulator's refund succeeds about 10 s later, by callback):
  curl -s {url}/v1/payments/DEMOWX0001 -H 'Authorization: Bearer {key}'
  curl -s -X POST {url}/v1/payments/DEMOWX0001/refunds -H 'Authorization: Bearer {key}' \\
       -H 'Content-Type: application/json' -d '{{"refund_no": "DEMOWXR001", "refund_amount": "99.90"}}'
"""


async def serve_demo(settings: Settings, host: str, port: int, emulator_port: int, worker: bool = True) -> None:
    """Run paycore (with its background jobs unless `worker` is False) and the emulator until interrupted."""
    # The cashier page names the merchant: a payment whose payer chooses has no one config to name instead.
    settings = dataclasses.replace(settings, merchant_name=settings.merchant_name or DEMO_MERCHANT)
    container = build_container(settings)
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    demo = await prepare_demo(settings, container, emulator_url)
    configure_logging(settings.log_level, settings.log_format)  # the emulator's Litestar replaced the handlers
    print(banner(settings, demo), flush=True)  # noqa: T201 - the demo talks to a person

    async def dispose() -> None:
        await container.engine().dispose()

    app = create_app(container, on_shutdown=[dispose])
    if worker:
        run_with_app(app, container)  # webhooks, expiry closes, syncs and reminders, as `paycore serve` runs them
    # Two servers in one process share uvicorn's loggers, so each start-up line came twice: the banner says
    # where both listen, and uvicorn speaks only of warnings and errors.
    quiet = "debug" if settings.log_level.upper() == "DEBUG" else "warning"
    paycore = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                                            log_level=quiet))
    emulator = uvicorn.Server(uvicorn.Config(demo.emulator, host="127.0.0.1", port=emulator_port, log_config=None,
                                             access_log=False, log_level=quiet))
    await asyncio.gather(paycore.serve(), emulator.serve())
