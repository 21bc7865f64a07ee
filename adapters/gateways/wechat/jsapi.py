"""The parameters a WeChat web page hands to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def pay_params(appid: str, prepay_id: str, merchant_key: rsa.RSAPrivateKey, now: datetime) -> dict[str, str]:
    """appId, timeStamp, nonceStr, package and the merchant's RSA paySign over the first four."""
    params = {
        "appId": appid,
        "timeStamp": str(int(now.timestamp())),
        "nonceStr": secrets.token_hex(16),  # 32 characters, WeChat's limit
        "package": f"prepay_id={prepay_id}",
    }
    message = "".join(f"{params[name]}\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    signature = merchant_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return params | {"signType": "RSA", "paySign": base64.b64encode(signature).decode("ascii")}
