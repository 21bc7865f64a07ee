"""The Alipay emulator's operations: trades change state here, and notifications follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.alipay import notifications, wire
from emulator.alipay.ca import CertificateAuthority
from emulator.alipay.notifier import Notifier
from emulator.alipay.signing import generate_private_key, load_public_key, public_key_pem
from emulator.alipay.store import Store
from emulator.alipay.trades import App, Refund, Trade, TradeStatus


class AlipayEmulator:
    """One offline Alipay: its key, its merchants' apps and trades, and its notifier."""

    def __init__(
        self, key: rsa.RSAPrivateKey, base_url: str, notifier: Notifier, clock: Callable[[], datetime] = wire.now
    ) -> None:
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.notifier = notifier
        self.clock = clock
        self.store = Store()
        self.public_keys: dict[str, rsa.RSAPublicKey] = {}
        self.last_sent: dict[tuple[str, str], dict[str, str]] = {}
        self.ca: CertificateAuthority | None = None  # certificate mode, set up on the first such app
        self.cert_key: rsa.RSAPrivateKey | None = None  # Alipay's key for certificate-mode apps; rotates
        self.cert_apps: dict[str, str] = {}  # app_id → its app certificate's SN, for apps in certificate mode

    def key_for(self, app_id: str) -> rsa.RSAPrivateKey:
        """The key Alipay signs this app's answers and notifications with."""
        return self.cert_key if app_id in self.cert_apps and self.cert_key is not None else self.key

    def cert_sn_for(self, app_id: str) -> str | None:
        """The alipay_cert_sn an answer to this app names (certificate mode), else None."""
        return self.ca.current_sn if self.ca is not None and app_id in self.cert_apps else None

    def register_cert_app(self, app_id: str, public_key_text: str, seller_id: str = "") -> dict[str, str]:
        """Know an app in certificate mode: issue its certificate; the three files a merchant configures."""
        app = self.register_app(app_id, public_key_text, seller_id)
        if self.ca is None:
            self.ca, self.cert_key = CertificateAuthority(), generate_private_key()
            self.ca.issue_alipay(self.cert_key)
        assert self.cert_key is not None
        app_cert, self.cert_apps[app.app_id] = self.ca.issue_app(app.app_id, self.public_keys[app.app_id])
        return {"app_id": app.app_id, "seller_id": app.seller_id, "app_cert": app_cert,
                "alipay_cert": self.ca.alipay_certs[self.ca.current_sn], "alipay_root_cert": self.ca.root_file,
                "app_cert_sn": self.cert_apps[app.app_id], "alipay_cert_sn": self.ca.current_sn,
                "alipay_root_cert_sn": self.ca.root_sn}

    def rotate_certificate(self) -> str:
        """Alipay moves certificate-mode apps to a new key and certificate; the SN of the new one."""
        if self.ca is None:
            raise ValueError("no app is in certificate mode yet")
        self.cert_key = generate_private_key()
        return self.ca.issue_alipay(self.cert_key)

    @property
    def public_key_pem(self) -> str:
        """The PEM merchants configure as alipay_public_key."""
        return public_key_pem(self.key)

    def register_app(self, app_id: str, public_key_text: str, seller_id: str = "") -> App:
        """Know a merchant app by its public key; raises ValueError for a key that does not load."""
        if not app_id.strip():
            raise ValueError("app_id is empty")
        self.public_keys[app_id] = load_public_key(public_key_text)
        app = App(app_id, public_key_text, seller_id or App.default_seller_id(app_id))
        self.store.apps[app_id] = app
        return app

    def refresh(self, trade: Trade) -> Trade:
        """Close a trade whose time_expire has passed, as Alipay's timeout does, and notify it."""
        if trade.is_expired(self.clock()):
            self.expire(trade)
        return trade

    def pay(self, trade: Trade, buyer_logon_id: str = "abc***@example.com") -> None:
        """The buyer pays the trade; the merchant is notified."""
        self.refresh(trade)
        trade.pay(self.clock(), buyer_logon_id)
        self.notify(trade)

    def expire(self, trade: Trade) -> None:
        """Close an unpaid trade for timeout; the merchant is notified with TRADE_CLOSED."""
        trade.close(self.clock())
        self.notify(trade)

    def refund(self, trade: Trade, out_request_no: str, amount: int, reason: str) -> tuple[Refund, bool]:
        """Refund part or all of a paid trade; a new refund is notified."""
        refund, moved = trade.refund(out_request_no, amount, reason, self.clock())
        if moved:
            self.notify(trade, refund)
        return refund, moved

    def notification(
        self, trade: Trade, status: TradeStatus | None = None, refund: Refund | None = None
    ) -> dict[str, str]:
        """The unsigned fields of a fresh notification of trade."""
        app = self.store.apps[trade.app_id]
        return notifications.notification_fields(trade, app, self.clock(), status, refund)

    def notify(self, trade: Trade, refund: Refund | None = None) -> None:
        """Sign and send the trade's current state to its notify_url, retrying in the background."""
        body = notifications.signed(self.notification(trade, refund=refund), self.key_for(trade.app_id))
        self.last_sent[(trade.app_id, trade.out_trade_no)] = body
        if trade.notify_url:
            self.notifier.schedule(trade.notify_url, body)

    def return_url_params(self, trade: Trade) -> dict[str, str]:
        """The signed synchronous return parameters for the browser's redirect to return_url."""
        app = self.store.apps[trade.app_id]
        return notifications.signed(notifications.return_fields(trade, app, self.clock()), self.key_for(trade.app_id))
