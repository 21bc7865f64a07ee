"""gateway.do's envelope: reading parameters, checking the merchant's signature, signing answers."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.alipay.service import AlipayEmulator
from emulator.alipay.signing import rsa2_sign, rsa2_verify, sign_content
from emulator.alipay.trades import App

CHARSETS = ("utf-8", "gbk")
SUCCESS = {"code": "10000", "msg": "Success"}


class GatewayError(Exception):
    """A request Alipay refuses before any business logic, e.g. a bad signature."""

    def __init__(self, code: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(f"{code} {sub_code}: {sub_msg}")
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg

    @property
    def msg(self) -> str:
        """Alipay's msg for the code."""
        return {"40001": "Missing Required Arguments", "40002": "Invalid Arguments"}.get(self.code, "Business Failed")

    def payload(self) -> dict[str, str]:
        """The response object Alipay answers with."""
        return {"code": self.code, "msg": self.msg, "sub_code": self.sub_code, "sub_msg": self.sub_msg}


def missing(name: str, label: str) -> GatewayError:
    """40001 for an absent common parameter."""
    return GatewayError("40001", f"isv.missing-{name}", f"缺少{label}参数")


def parse_params(query: bytes, body: bytes) -> dict[str, str]:
    """Query string and form body merged (the body wins), decoded in the request's own charset."""
    raw = query.decode("latin-1"), body.decode("latin-1")

    def decode(charset: str) -> dict[str, str]:
        params: dict[str, str] = {}
        for part in raw:
            params.update(parse_qsl(part, keep_blank_values=True, encoding=charset, errors="replace"))
        return params

    charset = decode("utf-8").get("charset", "utf-8").lower() or "utf-8"
    return decode(charset if charset in CHARSETS else "utf-8")


def authenticate(alipay: AlipayEmulator, params: dict[str, str]) -> App:
    """The calling app, once the common parameters and the RSA2 request signature check out."""
    for name, label in (("app_id", "AppID"), ("method", "方法名"), ("sign_type", "签名类型"), ("sign", "签名")):
        if not params.get(name):
            raise missing("signature" if name == "sign" else name.replace("_", "-"), label)
    if not params.get("timestamp"):
        raise missing("timestamp", "时间戳")
    app = alipay.store.apps.get(params["app_id"])
    if app is None:
        raise GatewayError("40002", "isv.invalid-app-id", "无效的AppID参数")
    if params["sign_type"] != "RSA2":
        raise GatewayError("40002", "isv.invalid-signature-type", "无效的签名类型参数")
    charset = params.get("charset", "utf-8").lower()
    if charset not in CHARSETS:
        raise GatewayError("40002", "isv.invalid-charset", "字符集错误")
    if params.get("format", "JSON").upper() != "JSON":
        raise GatewayError("40002", "isv.invalid-format", "无效的数据格式参数")
    if app.app_id in alipay.cert_apps:
        _check_certificate_sns(alipay, app, params)
    content = sign_content(params)
    if not rsa2_verify(alipay.public_keys[app.app_id], content, params["sign"], charset):
        raise GatewayError(
            "40002",
            "isv.invalid-signature",
            f"验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：{content}",
        )
    return app


def _check_certificate_sns(alipay: AlipayEmulator, app: App, params: dict[str, str]) -> None:
    """An app in certificate mode must name its own certificate and the root file, as Alipay's gateway checks."""
    if params.get("app_cert_sn") != alipay.cert_apps[app.app_id]:
        raise GatewayError("40002", "isv.invalid-app-cert-sn", "应用公钥证书序列号不匹配")
    if alipay.ca is None or params.get("alipay_root_cert_sn") != alipay.ca.root_sn:
        raise GatewayError("40002", "isv.invalid-alipay-root-cert-sn", "支付宝根证书序列号不匹配")


def biz_content(params: dict[str, str]) -> dict[str, Any]:
    """The decoded biz_content object (empty when absent)."""
    text = params.get("biz_content", "")
    if not text:
        return {}
    try:
        biz = json.loads(text)
    except json.JSONDecodeError as e:
        raise GatewayError("40002", "isv.invalid-biz-content", "biz_content不是合法的JSON") from e
    if not isinstance(biz, dict):
        raise GatewayError("40002", "isv.invalid-biz-content", "biz_content不是JSON对象")
    return biz


def response_key(method: str) -> str:
    """The top-level key of the answer: alipay.trade.query -> alipay_trade_query_response."""
    return method.replace(".", "_") + "_response" if method else "error_response"


def signed_response(
    method: str, payload: dict[str, Any], key: rsa.RSAPrivateKey, charset: str = "utf-8", tamper: bool = False,
    cert_sn: str | None = None,
) -> bytes:
    """The body Alipay answers: the response object's exact JSON text, and a signature over that text; in
    certificate mode the SN of the signing certificate sits between the two, as Alipay writes it."""
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    signature = rsa2_sign(key, inner + (" " if tamper else ""), charset)
    named = f',"alipay_cert_sn":"{cert_sn}"' if cert_sn else ""
    body = '{"' + response_key(method) + '":' + inner + named + ',"sign":"' + signature + '"}'
    return body.encode(charset)
