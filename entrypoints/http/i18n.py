"""Error messages in Chinese for `Accept-Language: zh`; English comes from the errors themselves."""

from __future__ import annotations

from typing import Any

ZH: dict[str, str] = {
    "VALIDATION_ERROR": "请求参数有误：{fields}。请按接口文档修正后重试。",
    "UNAUTHENTICATED": "需要有效的 API 密钥：请在请求头中发送 'Authorization: Bearer <密钥>'。",
    "FORBIDDEN": "该 API 密钥的权限范围不允许此操作。",
    "PAYMENT_NOT_FOUND": "找不到该订单号对应的支付。",
    "REFUND_NOT_FOUND": "找不到该退款单号对应的退款。",
    "CONFIG_NOT_FOUND": "没有可用的支付配置：请先创建并启用配置，或传入正确的 config_id。",
    "ORDER_NO_CONFLICT": "订单号已存在且以下字段不同：{fields}。请原样重发首次请求以取得该支付，或使用新的订单号。",
    "IDEMPOTENCY_KEY_REUSED": "该 Idempotency-Key 已用于另一个不同的请求，请使用新的键。",
    "UNSUPPORTED_PAY_METHOD": "该支付类型不支持此支付方式（支付宝：pc、wap、qr；微信：native、jsapi、h5）。",
    "OPENID_REQUIRED": "微信 JSAPI 支付需要提供付款人的 openid。",
    "PAYER_CLIENT_IP_REQUIRED": "微信 H5 支付需要付款人的 IP 地址，而该请求没有可用的客户端地址：请传入 payer_client_ip"
                                "（您的页面看到的付款人手机的地址）。",
    "PAYMENT_ALREADY_PAID": "该订单已支付，不能关闭。",
    "PAYMENT_NOT_PAID": "该订单尚未支付，不能退款。",
    "REFUND_EXCEEDS_PAID": "退款金额超过可退金额（已支付金额减去已退和退款中的金额）。",
    "REFUND_NO_CONFLICT": "退款单号已存在且内容不同，或属于另一笔订单，请使用新的退款单号。",
    "ILLEGAL_TRANSITION": "订单当前状态不允许此操作。",
    "CONCURRENT_UPDATE": "订单正在被同时修改，请稍后重试。",
    "GATEWAY_NOT_AVAILABLE": "paycore 尚未为该支付类型配置支付通道。",
    "PROVIDER_UNAVAILABLE": "暂时无法连接支付平台（网络不通或超时），请稍后重试。",
    "PROVIDER_ERROR": "支付平台返回错误或应答验签失败，详情见 extra。",
    "SERVICE_UNAVAILABLE": "数据库暂时不可用，请稍后重试。",
    "NOT_FOUND": "请求的地址不存在。",
    "METHOD_NOT_ALLOWED": "该地址不支持此 HTTP 方法。",
    "INTERNAL_ERROR": "服务内部错误，已记录日志，请稍后重试。",
    "NOTIFICATION_REJECTED": "通知未通过校验，未做任何更改。",
    "AMOUNT_MISMATCH": "金额与订单不一致。",
    "REQUEST_TOO_LARGE": "请求体过大。",
    "KEY_PAIR_MISMATCH": "密钥不配对：{fields}。",
    "MASTER_KEY_MISMATCH": "无法解密已存储的密钥：主密钥缺失或不正确，请检查 PAYCORE_MASTER_KEYS。",
    "CONFIG_UNREADABLE": "该支付配置存储的 provider_settings 不是 paycore 写入的 JSON 对象（可能被手工修改）："
                         "请修正该列，或通过管理接口重新保存该配置的证书与公钥设置。",
    "API_KEY_NOT_FOUND": "找不到该 API 密钥。",
    "LAST_ADMIN_KEY": "这是最后一个有效的管理员密钥，不能吊销；请先创建另一个管理员密钥。",
    "UNSUPPORTED_MEDIA_TYPE": "请求体必须是 JSON（Content-Type: application/json）。",
    "DELIVERY_NOT_FOUND": "找不到该 webhook 投递记录。",
    "RATE_LIMITED": "请求过于频繁（或认证失败次数过多），请在 Retry-After 秒后重试，并检查 API 密钥。",
    "DELIVERY_NOT_FAILED": "只有投递失败（failed）的 webhook 才能重试。",
    "TOO_MANY_ATTEMPTS": "该订单尝试支付的次数已达上限，请创建新的订单后再支付。",
    "METHOD_NOT_OFFERED": "商户没有为该订单提供此支付方式，请选择页面上列出的支付方式。",
    "REFUND_NOT_PROCESSING": "只有处理中（PROCESSING）的退款才能重新发起；该退款已是最终状态。",
}


# A code whose Chinese message depends on the state the refusal names (extra.current).
ZH_BY_STATE: dict[tuple[str, str], str] = {
    ("PAYMENT_NOT_PAID", "TRADE_CLOSED"): "该订单已关闭且未付款，没有可退的金额。",
}


def wants_chinese(accept_language: str | None) -> bool:
    """True when the caller's first language preference is Chinese."""
    if not accept_language:
        return False
    first = accept_language.split(",")[0].strip().lower()
    return first.startswith("zh")


def localise(code: str, english: str, extra: dict[str, Any], accept_language: str | None) -> str:
    """The message for this caller: the English one, or the Chinese one for zh callers."""
    if not wants_chinese(accept_language) or code not in ZH:
        return english
    by_state = ZH_BY_STATE.get((code, str(extra.get("current", ""))))
    return by_state or ZH[code].format(fields=_fields_zh(extra) or "请求体")


def _fields_zh(extra: dict[str, Any]) -> str:
    """The fields named in Chinese: each key with its reason when one is known (`order_no 须为…`)."""
    named = []
    for item in extra.get("fields", []):
        if isinstance(item, str):
            named.append(item)
        elif isinstance(item, dict):
            key = str(item.get("key") or item.get("field") or "")
            reason = item.get("message_zh")
            named.append(f"{key} {reason}" if reason and key != "body" else str(reason or key))
    return "；".join(n for n in named if n)
