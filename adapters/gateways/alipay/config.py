"""An Alipay config's rules: its fields, keys and certificates, and the sandbox default."""

from __future__ import annotations

from typing import Any

from cryptography import x509

from adapters.gateways.alipay import certs
from adapters.gateways.keyfields import parse_key
from application.config_validation import require
from application.errors import InvalidConfig, KeyPairMismatch
from application.ports.crypto import KeyInspector

SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
CERT_FIELDS = ("app_cert", "alipay_cert", "alipay_root_cert")
# PaymentConfig.settings of an Alipay config: the seller (the merchant its notifications must name), public-key
# mode's key, and certificate mode's three certificates.
SETTINGS = ("seller_id", "alipay_public_key", *CERT_FIELDS)


class AlipayConfigRules:
    """Public-key mode (alipay_public_key) or certificate mode (app_cert, alipay_cert, alipay_root_cert)."""

    settings = SETTINGS
    secrets = ()  # the app's private key is every config's

    def __init__(self, keys: KeyInspector) -> None:
        self._keys = keys

    def normalise(self, out: dict[str, Any]) -> None:
        """Keys as alipay-sdk-python needs them; certificates checked; the sandbox gateway filled in."""
        require(out, "alipay", ("app_id", "private_key"))
        parse_key(out, "private_key", lambda text: self._keys.private_key(text, pkcs8=False))
        if any(out.get(f) for f in CERT_FIELDS):
            if out.get("alipay_public_key"):
                raise InvalidConfig("alipay_public_key", "give either alipay_public_key (public-key mode) or "
                                    "app_cert, alipay_cert and alipay_root_cert (certificate mode), not both; "
                                    'to change modes, send the new fields and set the old ones to ""',
                                    "只能二选一：alipay_public_key（公钥模式），或 app_cert、alipay_cert 和 "
                                    'alipay_root_cert（公钥证书模式）；切换模式时请发送新字段，并把旧字段设为 ""')
            require(out, "alipay (certificate mode)", CERT_FIELDS)
            self._certificates(out)
        else:
            require(out, "alipay", ("alipay_public_key",))
            parse_key(out, "alipay_public_key", self._keys.public_key)
        parse_key(out, "public_key", self._keys.public_key)
        if out.get("public_key") and self._keys.public_key_of(out["private_key"]) != out["public_key"]:
            raise KeyPairMismatch(
                "public_key", "is not the public half of private_key: upload the matching pair (the app public key "
                "you gave Alipay, and its private key)",
                "不是 private_key 的公钥：请上传配对的应用公钥（提交给支付宝的那个）和它的私钥")
        if out.get("is_sandbox") and not out.get("gateway_url"):
            out["gateway_url"] = SANDBOX_GATEWAY

    def _certificates(self, out: dict[str, Any]) -> None:
        """Each file read once (a root file of four certificates is the slow part of a config's check)."""
        read: dict[str, list[x509.Certificate]] = {}
        for name in CERT_FIELDS:
            try:
                out[name] = certs.bundle([str(out[name])])
                if name == "alipay_root_cert":
                    read[name] = certs.load_certificates(out[name], skip_unreadable=True)
                    certs.roots_sn(read[name])
                else:
                    read[name] = certs.load_certificates(out[name])
                    certs.leaves_of(read[name])
            except certs.CertificateError as e:
                raise InvalidConfig(name, str(e), e.reason_zh) from e
        app = certs.leaves_of(read["app_cert"])[0]
        if certs.public_key_pem(app) != self._keys.public_key_of(out["private_key"]):
            raise KeyPairMismatch(
                "app_cert", "does not certify private_key's public key: upload the appCertPublicKey_<appid>.crt "
                "issued for this private key",
                "证书中的公钥不是 private_key 的公钥：请上传为该私钥签发的 appCertPublicKey_<appid>.crt")
        chain = read["alipay_cert"]
        try:
            certs.verify_chain(certs.leaves_of(chain)[0], chain, read["alipay_root_cert"])
        except certs.CertificateError as e:
            raise InvalidConfig("alipay_cert", f"is not trusted by alipay_root_cert: {e}",
                                f"不受 alipay_root_cert 信任：{e.reason_zh}") from e
