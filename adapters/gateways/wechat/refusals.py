"""Which of WeChat Pay's error answers to a refund application are final refusals.

A final refusal (a 4xx whose code is below) means WeChat did not accept this out_refund_no and will not:
the refund becomes FAILED with WeChat's code and message, and its amount is free again. Anything else
(SYSTEM_ERROR and every 5xx, FREQUENCY_LIMITED, a timeout, SIGN_ERROR, a code not listed) raises, so the
refund stays PROCESSING: money may have moved, and the refund query settles it later.
"""

from __future__ import annotations

from application.errors import ProviderError
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

FINAL_REFUSALS = frozenset({
    "NOT_ENOUGH",  # 403 余额不足: the merchant's balance cannot cover it
    "INVALID_REQUEST",  # 400 e.g. 订单未支付, 申请退款金额超过订单可退金额, 退款单号已存在但参数不一致
    "PARAM_ERROR",  # 400 参数错误
    "USER_ACCOUNT_ABNORMAL",  # 403 用户账户异常
    "NO_AUTH",  # 403 没有退款权限
    "RESOURCE_NOT_EXISTS",  # 404 订单号不存在 (on the application; on the query it means "never received")
})

# Retry with the same out_refund_no (WeChat's advice). Listed to document them; like every code not in
# FINAL_REFUSALS they leave the refund PROCESSING.
RETRYABLE = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED", "BIZ_ERR_NEED_RETRY"})
NOT_FOUND = "RESOURCE_NOT_EXISTS"


def refusal_of(error: ProviderError, refund: Refund) -> ProviderUpdate | None:
    """REFUND_FAILED with WeChat's code and message when the error is a final refusal, else None."""
    code = error.extra.get("provider_code")
    if code not in FINAL_REFUSALS:
        return None
    message = error.extra.get("provider_message")
    return ProviderUpdate(UpdateKind.REFUND_FAILED, refund.order_no, amount=refund.amount, refund_no=refund.refund_no,
                          failure_code=str(code), failure_message=str(message) if message else None,
                          raw={"code": code, "message": message, "status": error.extra.get("status")})


def not_found(refund: Refund) -> ProviderUpdate:
    """A refund query answered RESOURCE_NOT_EXISTS: WeChat never received the refund."""
    return ProviderUpdate(UpdateKind.REFUND_NOT_FOUND, refund.order_no, amount=refund.amount,
                          refund_no=refund.refund_no, raw={"code": NOT_FOUND})
